import { LineSplitter } from './line-splitter.js';
import {
  isShowinfoLine,
  parseShowinfoFrame,
  parseShowinfoTimeBase,
  type ShowinfoFrame,
  type TimeBase,
} from './showinfo.js';
import { SourceInfoParser, type SourceInfo } from './source-info.js';
import { StderrTail } from './stderr-tail.js';

/** What {@link FfmpegStderr} reports as it reads. */
export interface FfmpegStderrHandlers {
  /** A `showinfo` frame line: one per frame that reaches the output, in order. */
  readonly onTimestamp: (frame: ShowinfoFrame) => void;
  /** The time base of the `pts` values that follow. */
  readonly onTimeBase: (timeBase: TimeBase) => void;
  /** The input header has been read (before the first `showinfo` frame line). */
  readonly onHeader: (info: SourceInfo) => void;
}

/**
 * Reads an ffmpeg child's stderr, text in arbitrary chunks: routes `showinfo` lines to the
 * handlers, parses the input header, and keeps a bounded tail of the other lines for error
 * messages (the two `showinfo` lines per frame would otherwise push everything else out).
 */
export class FfmpegStderr {
  private readonly lines = new LineSplitter();
  private readonly header = new SourceInfoParser();
  private readonly recent = new StderrTail();
  private readonly handlers: FfmpegStderrHandlers;

  constructor(handlers: FfmpegStderrHandlers) {
    this.handlers = handlers;
  }

  /** The parsed input header; undefined until it has been read completely. */
  get info(): SourceInfo | undefined {
    return this.header.complete ? this.header.info : undefined;
  }

  /** True once ffmpeg printed `Input #0`: the input was opened and probed. */
  get opened(): boolean {
    return this.header.opened;
  }

  /** Takes the next chunk of stderr text. */
  push(text: string): void {
    for (const line of this.lines.push(text)) this.onLine(line);
  }

  /** Processes an unterminated last line. Call once stderr has ended. */
  end(): void {
    for (const line of this.lines.flush()) this.onLine(line);
  }

  /** Records a line that did not come from ffmpeg (e.g. a child process error) for messages. */
  note(line: string): void {
    this.recent.push(line);
  }

  /** The last non-`showinfo` lines, oldest first. */
  tail(): string[] {
    return this.recent.lines();
  }

  private onLine(line: string): void {
    const frame = parseShowinfoFrame(line);
    if (frame !== undefined) {
      this.handlers.onTimestamp(frame);
      return;
    }
    const timeBase = parseShowinfoTimeBase(line);
    if (timeBase !== undefined) this.handlers.onTimeBase(timeBase);
    if (isShowinfoLine(line)) return;
    this.recent.push(line);
    if (this.header.complete) return;
    this.header.push(line);
    if (this.header.complete) this.handlers.onHeader(this.header.info);
  }
}
