import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../../src/cli/progress-bar.js';

const ERASE_LINE = '\x1b[K';

/** A terminal as far as the bar uses one: text, `\r`, `\n` and erase-to-end-of-line. */
class Terminal {
  readonly lines: string[] = [''];
  private column = 0;

  feed(text: string): void {
    for (const part of text
      .split(ERASE_LINE)
      .flatMap((piece, i) => (i === 0 ? [piece] : ['\x1b[K', piece]))
      .flatMap((piece) => piece.split(/(\r|\n)/))) {
      if (part === '\r') this.column = 0;
      else if (part === '\n') {
        this.lines.push('');
        this.column = 0;
      } else if (part === '\x1b[K') {
        this.lines[this.lines.length - 1] = this.current.slice(0, this.column);
      } else if (part !== '') {
        const line = this.current;
        this.lines[this.lines.length - 1] =
          line.slice(0, this.column) + part + line.slice(this.column + part.length);
        this.column += part.length;
      }
    }
  }

  private get current(): string {
    return this.lines[this.lines.length - 1]!;
  }

  /** A write stream onto this terminal, as stdout or stderr. */
  stream(): NodeJS.WriteStream {
    return {
      isTTY: true,
      columns: 100,
      write: (text: string) => {
        this.feed(text);
        return true;
      },
    } as unknown as NodeJS.WriteStream;
  }
}

describe('ProgressBar', () => {
  it('keeps output written above it whole, and is drawn again below it', async () => {
    const terminal = new Terminal();
    const stdout = terminal.stream();
    // Drawn at once: the redraw interval has long passed since "started".
    const bar = new ProgressBar(terminal.stream(), performance.now() - 10_000);
    bar.update(2.5, 10, 75);
    expect(terminal.lines).toEqual([expect.stringMatching(/^\[#{8}\.{22}\] 25% 2\.5\/10\.0 s/)]);
    await bar.above(() => stdout.write('00:00.000–00:02.520  calm 0.98\n'));
    await bar.above(() => stdout.write('00:02.520–00:05.400  busy 0.91\n'));
    expect(terminal.lines).toEqual([
      '00:00.000–00:02.520  calm 0.98',
      '00:02.520–00:05.400  busy 0.91',
      expect.stringMatching(/^\[#{8}\.{22}\] 25% 2\.5\/10\.0 s\s+\d+ frames\/s\s+\d+ s left$/),
    ]);
    bar.clear();
    expect(terminal.lines.at(-1)).toBe('');
  });

  it('writes nothing around output before it was first drawn', async () => {
    const terminal = new Terminal();
    const bar = new ProgressBar(terminal.stream());
    await bar.above(() => terminal.stream().write('line\n'));
    expect(terminal.lines).toEqual(['line', '']);
  });
});
