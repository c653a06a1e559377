import type * as Ort from 'onnxruntime-node';
import { EncoderError } from '../../errors.js';
import type { Preprocessing } from '../load/framewise-config.js';
import type { FrameShape } from '../optimize/feature-shapes.js';
import type { BatchEncoder } from './batch-encoder.js';
import { createSession, onnxRuntime } from './onnx-runtime.js';
import { pixelsToFloats } from './pixels-to-floats.js';

/** How an {@link OnnxEncoder} runs its model. */
export interface OnnxEncoderOptions {
  /** The ONNX model's protobuf bytes. */
  readonly bytes: Uint8Array;
  /** Its input: frames `[batch, height, width, channels]` (`nhwc`) or `[batch, channels, …]`. */
  readonly input: string;
  readonly layout: 'nhwc' | 'nchw';
  /** Its output: `[batch, embeddingSize]`. */
  readonly output: string;
  readonly shape: FrameShape;
  /** How pixels become the model's input floats (what the ONNX graph does not do itself). */
  readonly preprocessing: Preprocessing;
  readonly embeddingSize: number;
  /** ONNX Runtime's intra-op threads: the cores one batch is spread over. */
  readonly threads: number;
  /** Where the model computes (see {@link SessionOptions.device}). @defaultValue 'cpu' */
  readonly device?: 'cpu' | 'cuda';
  /**
   * Most frames one run takes: requests that wait together (the jobs running at the same time
   * in a worker) are merged up to this size, as one larger batch costs less than several.
   * @defaultValue 64
   */
  readonly maxBatchFrames?: number;
}

/** One caller's frames, waiting to be run. */
interface Request {
  readonly frames: readonly Uint8Array[];
  readonly resolve: (embeddings: Float32Array) => void;
  readonly reject: (error: unknown) => void;
}

/** Default of {@link OnnxEncoderOptions.maxBatchFrames}. */
const MAX_BATCH_FRAMES = 64;

/**
 * A per-frame encoder run by ONNX Runtime (onnxruntime-node, CPU): `session.run` computes on
 * ONNX Runtime's own threads, off the event loop, so the labeling driver reads and labels while
 * a batch encodes.
 */
export class OnnxEncoder implements BatchEncoder {
  readonly embeddingSize: number;
  /** One batch at a time: a batch already spreads over every intra-op thread. */
  readonly parallelism = 1;
  readonly concurrent = true;
  private readonly frameLength: number;
  private readonly queue: Request[] = [];
  private running = false;
  private closed?: Promise<void>;
  /** Encode requests so far. */
  requests = 0;
  /** Runs of the session so far (requests merged into one count once). */
  runs = 0;

  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    private readonly options: OnnxEncoderOptions,
  ) {
    const { height, width, channels } = options.shape;
    this.frameLength = height * width * channels;
    this.embeddingSize = options.embeddingSize;
  }

  /**
   * Creates the ONNX Runtime session.
   * @throws {@link BackendError} when onnxruntime-node is not installed (it is an optional
   *   dependency: an install whose download of its GPU binaries failed leaves it out), or the
   *   CUDA execution provider asked for cannot load.
   */
  static async create(options: OnnxEncoderOptions): Promise<OnnxEncoder> {
    const ort = await onnxRuntime();
    const session = await createSession(ort, options.bytes, options);
    return new OnnxEncoder(ort, session, options);
  }

  /** Threads one batch is spread over. */
  get threads(): number {
    return this.options.threads;
  }

  /**
   * Encodes `frames`; requests made while a run is in progress wait, merged, for the next.
   * @returns `frames.length × embeddingSize` floats, frame after frame.
   */
  encode(frames: readonly Uint8Array[]): Promise<Float32Array> {
    if (frames.length === 0) return Promise.resolve(new Float32Array(0));
    if (this.closed !== undefined) {
      return Promise.reject(new EncoderError('the ONNX encoder is closed'));
    }
    this.requests++;
    return new Promise((resolve, reject) => {
      this.queue.push({ frames, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /** Runs the waiting requests, as many at once as fit in a batch, until none wait. */
  private async drain(): Promise<void> {
    this.running = true;
    const limit = this.options.maxBatchFrames ?? MAX_BATCH_FRAMES;
    while (this.queue.length > 0) {
      const batch = [this.queue.shift()!];
      let frames = batch[0]!.frames.length;
      while (this.queue.length > 0 && frames + this.queue[0]!.frames.length <= limit) {
        frames += this.queue[0]!.frames.length;
        batch.push(this.queue.shift()!);
      }
      try {
        const embeddings = await this.run(batch.flatMap((request) => request.frames));
        let at = 0;
        for (const request of batch) {
          const size = request.frames.length * this.embeddingSize;
          request.resolve(batch.length === 1 ? embeddings : embeddings.slice(at, at + size));
          at += size;
        }
      } catch (error) {
        for (const request of batch) request.reject(error);
      }
    }
    this.running = false;
  }

  /** One run of the session over `frames`. */
  private async run(frames: readonly Uint8Array[]): Promise<Float32Array> {
    this.runs++;
    const { height, width, channels } = this.options.shape;
    const floats = pixelsToFloats(frames, this.frameLength, this.options.preprocessing);
    const dims =
      this.options.layout === 'nhwc'
        ? [frames.length, height, width, channels]
        : [frames.length, channels, height, width];
    const input = new this.ort.Tensor(
      'float32',
      this.options.layout === 'nhwc' ? floats : toNchw(floats, frames.length, this.options.shape),
      dims,
    );
    const results = await this.session.run({ [this.options.input]: input });
    const output = results[this.options.output]!;
    try {
      // A copy: the output's memory is ONNX Runtime's until disposed.
      return (output.data as Float32Array).slice();
    } finally {
      input.dispose();
      output.dispose();
    }
  }

  /** Releases the session; a second call returns the same promise. */
  close(): Promise<void> {
    this.closed ??= this.session.release();
    return this.closed;
  }
}

/** Frames `[n, h, w, c]` as `[n, c, h, w]`. */
function toNchw(floats: Float32Array, n: number, shape: FrameShape): Float32Array {
  const { height, width, channels } = shape;
  const plane = height * width;
  const out = new Float32Array(floats.length);
  for (let f = 0; f < n; f++) {
    const base = f * plane * channels;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < channels; c++)
        out[base + c * plane + p] = floats[base + p * channels + c]!;
    }
  }
  return out;
}
