import type { Writable } from 'node:stream';
import type { LineWriterOptions } from './line-writer-options.js';

/**
 * Writes text to a Node.js Writable, honouring its backpressure: when `write` returns false
 * the returned promise waits for 'drain'. An error the stream emits at any time is kept and
 * rejects the next `write` or `close` rather than crashing the process (EPIPE on stdout piped
 * into `head`).
 *
 * ## Example
 * ```ts
 * const writer = new LineWriter(process.stdout);
 * await writer.write('hello\n');
 * await writer.close();
 * ```
 */
export class LineWriter {
  readonly #stream: Writable;
  readonly #end: boolean;
  #error: unknown;
  #closing: Promise<void> | undefined;
  readonly #onError = (error: unknown): void => {
    this.#error ??= error;
  };

  /**
   * @param stream - Where the text goes, e.g. `process.stdout`.
   * @param options - See {@link LineWriterOptions}.
   */
  constructor(stream: Writable, options: LineWriterOptions = {}) {
    this.#stream = stream;
    this.#end = options.end ?? false;
    stream.on('error', this.#onError);
  }

  /**
   * Writes `text` as is (the caller adds the newline). Resolves once the stream can take more;
   * rejects if the stream failed or closed, or if this writer is closed.
   */
  async write(text: string): Promise<void> {
    if (this.#closing !== undefined) throw new Error('cannot write: the sink is closed');
    this.#throwIfFailed();
    if (!this.#stream.write(text)) await waitForDrain(this.#stream);
  }

  /**
   * Waits for pending output to drain, ends the stream if `end` was set, and detaches from the
   * stream. A second call returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    try {
      this.#throwIfFailed();
      if (this.#stream.writableNeedDrain) await waitForDrain(this.#stream);
      if (this.#end) await endStream(this.#stream);
    } finally {
      this.#stream.off('error', this.#onError);
    }
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error;
    if (this.#stream.destroyed) throw new Error('cannot write: the output stream is closed');
  }
}

/** Resolves on 'drain'; rejects if the stream errors or closes first. */
function waitForDrain(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: unknown): void => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const onDrain = (): void => settle();
    const onError = (error: unknown): void => settle(error);
    const onClose = (): void => settle(new Error('the output stream closed before it drained'));
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** Ends the stream and resolves once everything is flushed ('finish'). */
function endStream(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
  });
}
