import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_CHARS } from '../../../src/decode/line-splitter.js';

describe('LineSplitter', () => {
  const text = 'Input #0, mkv\n  Duration: 00:00:02.00\r\nframe=  1\rframe=  2\rlast';

  it('gives the same lines whatever the text is split at', () => {
    for (let cut = 0; cut <= text.length; cut++) {
      const splitter = new LineSplitter();
      const lines = [
        ...splitter.push(text.slice(0, cut)),
        ...splitter.push(text.slice(cut)),
        ...splitter.flush(),
      ];
      expect(lines, `cut at ${cut}`).toEqual([
        'Input #0, mkv',
        '  Duration: 00:00:02.00',
        'frame=  1',
        'frame=  2',
        'last',
      ]);
    }
  });

  it('keeps a partial line until its end arrives', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('[Parsed_showinfo_1 @ 0x1] n:   0')).toEqual([]);
    expect(splitter.push(' pts: 0 pts_time:0\n')).toEqual([
      '[Parsed_showinfo_1 @ 0x1] n:   0 pts: 0 pts_time:0',
    ]);
    expect(splitter.flush()).toEqual([]);
  });

  it('cuts a line that never ends at MAX_LINE_CHARS', () => {
    const splitter = new LineSplitter();
    const lines = splitter.push('x'.repeat(MAX_LINE_CHARS + 10));
    expect(lines).toEqual(['x'.repeat(MAX_LINE_CHARS + 10).slice(0, MAX_LINE_CHARS)]);
  });
});
