import type * as Ort from 'onnxruntime-node';
import { ModelError } from '../../errors.js';
import type { Head, HeadState } from './head.js';
import { createSession, onnxRuntime, type SessionOptions } from './onnx-runtime.js';

/** What an {@link OnnxHead} runs. */
export interface OnnxHeadOptions extends SessionOptions {
  /** The head model's protobuf bytes (head.onnx). */
  readonly bytes: Uint8Array;
  /** Where it was read from, for messages. */
  readonly path: string;
  /** Its first input (embeddings `[b, T, embeddingSize]`) and first output (`[b, classes]`). */
  readonly input: string;
  readonly output: string;
  readonly embeddingSize: number;
  readonly classes: number;
  /** Its state inputs `state_in_i`, each `[b, …size]`, answered by outputs `state_out_i`. */
  readonly states: readonly { readonly name: string; readonly size: readonly number[] }[];
}

/** A stream's recurrent state as the head's state inputs hold it: one array per input. */
class OnnxHeadState implements HeadState {
  constructor(public values: Float32Array[]) {}

  toArrays(): number[][][] {
    return this.values.map((v) => [Array.from(v)]);
  }

  dispose(): void {
    this.values = [];
  }
}

/**
 * A model's recurrent head run by ONNX Runtime (head.onnx of an ONNX model directory). Window
 * mode feeds zero states; stateful mode feeds a stream's state and keeps what comes out. The
 * model gives the probabilities of the last step of what it is fed, so a stateful call runs up
 * to each frame that gets a label, then on to the end of the batch.
 */
export class OnnxHead implements Head {
  readonly embeddingSize: number;
  readonly classes: number;

  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    private readonly options: OnnxHeadOptions,
  ) {
    this.embeddingSize = options.embeddingSize;
    this.classes = options.classes;
  }

  /** Creates the head's session. */
  static async create(options: OnnxHeadOptions): Promise<OnnxHead> {
    const ort = await onnxRuntime();
    return new OnnxHead(ort, await createSession(ort, options.bytes, options), options);
  }

  /** A head without state inputs runs each window from nothing: window mode only. */
  assertStateful(): void {
    if (this.options.states.length > 0) return;
    throw new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      `${this.options.path} has no state inputs (state_in_0, …) and outputs (state_out_0, …); ` +
        'it cannot run in stateful mode; use --mode window, or export the head with its state',
    );
  }

  async classifyWindows(
    embeddings: Float32Array,
    windows: number,
    steps: number,
  ): Promise<Float32Array> {
    if (windows === 0) return new Float32Array(0);
    const zeros = this.options.states.map((s) => new Float32Array(windows * size(s.size)));
    const { probabilities } = await this.run(embeddings, windows, steps, zeros);
    return probabilities;
  }

  createState(): HeadState {
    this.assertStateful();
    return new OnnxHeadState(this.options.states.map((s) => new Float32Array(size(s.size))));
  }

  /**
   * A state restored from a checkpoint: the arrays are read as one list of state tensors in
   * order, one per state input, however they are grouped (a TensorFlow.js head groups them by
   * layer, so a checkpoint of the Keras model a directory was converted from fits).
   */
  restoreState(arrays: readonly (readonly (readonly number[])[])[]): HeadState {
    this.assertStateful();
    const { states } = this.options;
    const tensors = arrays.flat();
    const fits =
      tensors.length === states.length &&
      tensors.every((values, i) => values.length === size(states[i]!.size));
    if (!fits) throw new RangeError('the saved recurrent state does not fit this model');
    return new OnnxHeadState(tensors.map((values) => Float32Array.from(values)));
  }

  async step(
    state: HeadState,
    embeddings: Float32Array,
    frames: number,
    emitAt: readonly number[],
  ): Promise<Float32Array> {
    if (!(state instanceof OnnxHeadState))
      throw new TypeError('the state is not an ONNX head state');
    const d = this.embeddingSize;
    const scores = new Float32Array(emitAt.length * this.classes);
    let from = 0;
    // Up to each labeled frame, then the rest of the batch for the state alone.
    const ends = emitAt.at(-1) === frames - 1 ? emitAt : [...emitAt, frames - 1];
    for (const [k, end] of ends.entries()) {
      const steps = end + 1 - from;
      if (steps <= 0) continue;
      const part = embeddings.subarray(from * d, (end + 1) * d);
      const { probabilities, states } = await this.run(part, 1, steps, state.values);
      state.values = states;
      if (k < emitAt.length) scores.set(probabilities, k * this.classes);
      from = end + 1;
    }
    return scores;
  }

  dispose(): void {
    void this.session.release();
  }

  /** One run: `batch` sequences of `steps` embeddings, from `states`. */
  private async run(
    embeddings: Float32Array,
    batch: number,
    steps: number,
    states: readonly Float32Array[],
  ): Promise<{ probabilities: Float32Array; states: Float32Array[] }> {
    const { Tensor } = this.ort;
    const feeds: Record<string, Ort.Tensor> = {
      [this.options.input]: new Tensor('float32', embeddings, [batch, steps, this.embeddingSize]),
    };
    this.options.states.forEach((s, i) => {
      feeds[s.name] = new Tensor('float32', states[i]!, [batch, ...s.size]);
    });
    const results = await this.session.run(feeds);
    const probabilities = (results[this.options.output]!.data as Float32Array).slice();
    const next = this.options.states.map((_, i) =>
      (results[`state_out_${i}`]!.data as Float32Array).slice(),
    );
    for (const tensor of [...Object.values(feeds), ...Object.values(results)]) tensor.dispose();
    return { probabilities, states: next };
  }
}

function size(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
