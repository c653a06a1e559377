import type { LineWriterOptions } from './line-writer-options.js';

/** Options of a `PrettySink`. */
export interface PrettySinkOptions extends LineWriterOptions {
  /**
   * Whether to colour class names and dim the times with ANSI escapes.
   * @defaultValue true when the stream is a terminal and `NO_COLOR` is unset or empty
   */
  readonly color?: boolean;
}
