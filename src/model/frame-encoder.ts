import * as tf from '@tensorflow/tfjs';
import type { BatchEncoder } from './batch-encoder.js';
import type { Preprocessing } from './framewise-config.js';
import { pixelsToFloats } from './pixels-to-floats.js';

/** Shape of one frame as the encoder takes it. */
export interface FrameShape {
  /** Height in pixels. */
  readonly height: number;
  /** Width in pixels. */
  readonly width: number;
  /** Channels per pixel: 1 or 3. */
  readonly channels: number;
}

/**
 * The model's per-frame CNN: turns a batch of 8-bit frames into one embedding per frame by
 * applying the layers its `TimeDistributed` wrappers hold, exactly as the whole model would.
 */
export class FrameEncoder implements BatchEncoder {
  readonly embeddingSize: number;
  /** One batch at a time, on the calling thread. */
  readonly parallelism = 1;
  private readonly frameLength: number;
  /** Reused between calls: the float input of the last batch; grows to the largest batch. */
  private input = new Float32Array(0);

  constructor(
    private readonly layers: readonly tf.layers.Layer[],
    readonly shape: FrameShape,
    private readonly preprocessing: Preprocessing,
    embeddingSize: number,
  ) {
    this.frameLength = shape.height * shape.width * shape.channels;
    this.embeddingSize = embeddingSize;
  }

  /**
   * Encodes `frames` (each `height × width × channels` bytes) in one batch.
   * @returns `frames.length × embeddingSize` floats, frame after frame.
   */
  encode(frames: readonly Uint8Array[]): Float32Array {
    if (frames.length === 0) return new Float32Array(0);
    const length = frames.length * this.frameLength;
    if (this.input.length < length) this.input = new Float32Array(length);
    const floats = pixelsToFloats(frames, this.frameLength, this.preprocessing, this.input);
    const { height, width, channels } = this.shape;
    return tf.tidy(() => {
      let x: tf.Tensor = tf.tensor4d(floats, [frames.length, height, width, channels]);
      for (const layer of this.layers) x = layer.apply(x, { training: false }) as tf.Tensor;
      return x.dataSync() as Float32Array;
    });
  }
}
