/** Options of a sink that writes lines of text to a Node.js Writable. */
export interface LineWriterOptions {
  /**
   * Whether `close()` ends the stream. Leave it false for `process.stdout`, which the process
   * owns; set it for a file or pipe the sink was given to own, like `pipe(dest, { end })`.
   * @defaultValue false
   */
  readonly end?: boolean;
}
