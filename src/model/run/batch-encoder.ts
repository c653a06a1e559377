/**
 * What turns frames into embeddings for the labeling driver: the model's own
 * {@link FrameEncoder} on the calling thread, or an {@link EncoderPool} of worker threads.
 */
export interface BatchEncoder {
  /** Floats per frame embedding. */
  readonly embeddingSize: number;
  /**
   * Batches that can usefully be encoding at once (threads); the driver keeps about this many
   * in flight while it reads and labels.
   */
  readonly parallelism: number;
  /**
   * Whether `encode` runs beside the calling thread (worker threads): the driver then reads
   * and labels while batches encode, even with one thread.
   */
  readonly concurrent: boolean;
  /**
   * Encodes `frames` (each `height × width × channels` bytes, the model's input).
   * @returns `frames.length × embeddingSize` floats, frame after frame.
   */
  encode(frames: readonly Uint8Array[]): Float32Array | Promise<Float32Array>;
}
