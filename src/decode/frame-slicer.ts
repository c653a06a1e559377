/**
 * Cuts a byte stream (ffmpeg's raw video on stdout, in whatever chunks the pipe delivers) into
 * frames of exactly `frameBytes` bytes, copying each byte at most once: a frame that lies wholly
 * inside one chunk is a view into that chunk (zero copy; it keeps the chunk alive while it is
 * referenced), a frame that spans chunks is assembled once in its own buffer.
 *
 * ## Example
 * ```ts
 * const slicer = new FrameSlicer(99 * 99 * 3);
 * stdout.on('data', (chunk: Buffer) => frames.push(...slicer.push(chunk)));
 * stdout.on('end', () => { if (slicer.end() > 0) reportTruncated(); });
 * ```
 */
export class FrameSlicer {
  /** Bytes per frame. */
  readonly frameBytes: number;
  /** The frame being assembled across chunks, or undefined between frames. */
  private partial: Uint8Array | undefined;
  private partialFilled = 0;

  /** @param frameBytes - Bytes per frame; an integer >= 1. */
  constructor(frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes < 1) {
      throw new RangeError(`frameBytes must be an integer >= 1, got ${frameBytes}`);
    }
    this.frameBytes = frameBytes;
  }

  /** Bytes received that do not yet make a whole frame. */
  get pendingBytes(): number {
    return this.partialFilled;
  }

  /**
   * Takes the next chunk of the stream and returns the frames it completes, in order (possibly
   * none). The returned arrays must not be written to: they may share memory with `chunk`.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let offset = 0;
    if (this.partial !== undefined) {
      const take = Math.min(this.frameBytes - this.partialFilled, chunk.length);
      this.partial.set(chunk.subarray(0, take), this.partialFilled);
      this.partialFilled += take;
      offset = take;
      if (this.partialFilled < this.frameBytes) return frames;
      frames.push(this.partial);
      this.partial = undefined;
      this.partialFilled = 0;
    }
    while (chunk.length - offset >= this.frameBytes) {
      // A plain Uint8Array view (not a Buffer) so both kinds of frame have the same type.
      frames.push(new Uint8Array(chunk.buffer, chunk.byteOffset + offset, this.frameBytes));
      offset += this.frameBytes;
    }
    if (offset < chunk.length) {
      this.partial = new Uint8Array(this.frameBytes);
      this.partial.set(chunk.subarray(offset));
      this.partialFilled = chunk.length - offset;
    }
    return frames;
  }

  /**
   * Marks the end of the stream and returns how many dangling bytes (a trailing partial frame)
   * were discarded: 0 when the stream ended on a frame boundary. The slicer is reset and can be
   * reused.
   */
  end(): number {
    const dangling = this.partialFilled;
    this.partial = undefined;
    this.partialFilled = 0;
    return dangling;
  }
}
