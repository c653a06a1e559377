import * as tf from '@tensorflow/tfjs';
import type { BatchEncoder } from './batch-encoder.js';
import type { EncoderGraph } from '../load/encoder-graph.js';
import type { Preprocessing } from '../load/framewise-config.js';
import { featureShapes, type FrameShape } from '../optimize/feature-shapes.js';
import { pixelsToFloats } from './pixels-to-floats.js';
import { readAndDispose } from './read-and-dispose.js';
import { runGraph } from './run-graph.js';

/**
 * Bytes of feature map one pass of the CNN may produce at its widest layer. A batch of more
 * frames runs in chunks of fewer, so that a layer's output is still in the CPU's caches when
 * the next layer reads it; on the seed encoder, chunks of a few frames ran well ahead of a
 * whole batch at once (docs/performance.md).
 */
const CHUNK_FEATURE_BYTES = 2.5 * 1024 * 1024;

/**
 * The model's per-frame CNN: turns a batch of 8-bit frames into one embedding per frame by
 * running the graph of layers its `TimeDistributed` wrappers hold, exactly as the whole model
 * would.
 */
export class FrameEncoder implements BatchEncoder {
  readonly embeddingSize: number;
  /** One batch at a time, on the calling thread. */
  readonly parallelism = 1;
  readonly concurrent = false;
  private readonly frameLength: number;
  /** Reused between calls: the float input of the last batch; grows to the largest batch. */
  private input = new Float32Array(0);
  /** Frames per pass of the layers: see {@link CHUNK_FEATURE_BYTES}. */
  readonly chunkFrames: number;

  constructor(
    readonly graph: EncoderGraph,
    readonly shape: FrameShape,
    readonly preprocessing: Preprocessing,
    embeddingSize: number,
  ) {
    this.frameLength = shape.height * shape.width * shape.channels;
    this.embeddingSize = embeddingSize;
    const widest = widestFeatureBytes(graph, shape);
    this.chunkFrames =
      widest === undefined ? Infinity : Math.max(1, Math.floor(CHUNK_FEATURE_BYTES / widest));
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
    if (frames.length <= this.chunkFrames) return this.run(floats, frames.length);
    const embeddings = new Float32Array(frames.length * this.embeddingSize);
    for (let first = 0; first < frames.length; first += this.chunkFrames) {
      const count = Math.min(this.chunkFrames, frames.length - first);
      const chunk = floats.subarray(first * this.frameLength, (first + count) * this.frameLength);
      embeddings.set(this.run(chunk, count), first * this.embeddingSize);
    }
    return embeddings;
  }

  /** The graph over `count` frames of floats. */
  private run(floats: Float32Array, count: number): Float32Array {
    const { height, width, channels } = this.shape;
    const embeddings = tf.tidy(() =>
      runGraph(this.graph, tf.tensor4d(floats, [count, height, width, channels])),
    );
    return readAndDispose(embeddings);
  }
}

/**
 * Bytes of one frame's largest feature map in the graph (float32); undefined when a shape
 * cannot be worked out.
 */
function widestFeatureBytes(graph: EncoderGraph, frame: FrameShape): number | undefined {
  let widest = 0;
  for (const shape of featureShapes(graph, frame).values()) {
    const dims = shape?.slice(1);
    if (dims === undefined || dims.some((d) => typeof d !== 'number')) return undefined;
    widest = Math.max(
      widest,
      (dims as number[]).reduce((a, b) => a * b, 1),
    );
  }
  return widest * Float32Array.BYTES_PER_ELEMENT;
}
