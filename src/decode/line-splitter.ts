/**
 * Longest line kept, in characters. ffmpeg's lines are short; a longer run without a line break
 * is cut so that a misbehaving child cannot grow this buffer without bound.
 */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Splits text that arrives in arbitrary chunks (a child's stderr) into whole lines. A line ends
 * at `\n`, `\r\n` or a lone `\r` (ffmpeg rewrites its progress line with `\r`); the text after
 * the last break is kept until the next chunk or {@link LineSplitter.flush}. Empty lines are
 * dropped.
 */
export class LineSplitter {
  private rest = '';

  /** Takes the next chunk and returns the lines it completes. */
  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split(/\r\n|\r|\n/);
    // The last part has no line break after it yet; a trailing '\r' might still become '\r\n',
    // which only costs an empty line, and empty lines are dropped.
    this.rest = parts.pop() ?? '';
    if (this.rest.length > MAX_LINE_CHARS) {
      parts.push(this.rest.slice(0, MAX_LINE_CHARS));
      this.rest = '';
    }
    return parts.filter((line) => line !== '');
  }

  /** Returns the unterminated last line, if any, and resets. Call at end of stream. */
  flush(): string[] {
    const last = this.rest;
    this.rest = '';
    return last === '' ? [] : [last];
  }
}
