import type { RunnableModel } from './runnable-model.js';

/** How much of a model {@link warmUp} runs once. */
export interface WarmUpOptions {
  /**
   * Frames of the encoder batch to run, ideally the batch size the run will use: the backend
   * prepares its kernels per shape. 0 skips the encoder (it runs on other threads).
   */
  readonly frames: number;
  /** Windows of the head batch to run, of `steps` embeddings each. */
  readonly windows: number;
  /** Embeddings per window. */
  readonly steps: number;
}

/**
 * Runs the model once on blank input so that a run's first batch does not pay for compiling
 * and setting up the backend's kernels, which makes a first batch several times slower than the
 * next (docs/performance.md). Done while the model loads, this moves that cost out of the first labels' latency (and of a
 * worker's first job, since `/readyz` waits for the model). Leaves no tensor behind.
 */
export async function warmUp(model: RunnableModel, options: WarmUpOptions): Promise<void> {
  const { height, width, channels } = model.split;
  if (options.frames > 0) {
    const blank = new Uint8Array(height * width * channels);
    await model.encoder.encode(Array.from({ length: options.frames }, () => blank));
  }
  const { windows, steps } = options;
  const embeddings = new Float32Array(windows * steps * model.head.embeddingSize);
  await model.head.classifyWindows(embeddings, windows, steps);
}
