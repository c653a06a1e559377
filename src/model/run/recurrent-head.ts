import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../errors.js';
import type { Head, HeadState } from './head.js';
import { readAndDispose } from './read-and-dispose.js';
import { isBidirectional, isRecurrent } from '../load/split-model.js';

type LayerConstructor = new (config: tf.serialization.ConfigDict) => tf.layers.Layer;

/**
 * The recurrent state of one stream in stateful mode: one list of state tensors per recurrent
 * layer (`[h, c]` for LSTM, `[h]` for GRU and SimpleRNN), each `[1, units]`. It owns its
 * tensors: call {@link StreamState.dispose} when the stream ends or the state is reset.
 */
export class StreamState implements HeadState {
  constructor(private tensors: tf.Tensor[][]) {}

  /** The state tensors, per recurrent layer. */
  get layers(): readonly (readonly tf.Tensor[])[] {
    return this.tensors;
  }

  /** Replaces the state, disposing the old tensors; the new ones must be kept (`tf.keep`). */
  replace(next: tf.Tensor[][]): void {
    const old = this.tensors;
    this.tensors = next;
    for (const layer of old) tf.dispose(layer);
  }

  /** The state's values, per layer, per state tensor: what a checkpoint stores. */
  toArrays(): number[][][] {
    return this.tensors.map((layer) => layer.map((t) => Array.from(t.dataSync())));
  }

  /** Frees the state's tensors. */
  dispose(): void {
    this.replace([]);
  }
}

/**
 * The model's head: its recurrent (or Bidirectional) layers, then Dense, Dropout and
 * Activation layers. Runs in two ways:
 * - window mode: each window from a fresh state, many windows in one call, exactly the model's
 *   training semantics;
 * - stateful mode: the state carries across the stream, several frames per call. The model's
 *   own recurrent layers are stepped (copies of them that return their states, with the same
 *   weights); the cell maths is not re-derived. A head with a Bidirectional layer cannot.
 */
export class RecurrentHead implements Head {
  /**
   * Copies of the recurrent layers that return their full sequence and their states, made up
   * front so that a stream's first step allocates nothing that outlives it.
   */
  private readonly steppers: tf.layers.Layer[];
  private readonly lastRecurrent: number;
  /** The first Bidirectional layer, which rules out stateful mode. */
  private readonly bidirectional: tf.layers.Layer | undefined;

  constructor(
    /** Its layers, as it runs them (rewritten for inference when the model was loaded so). */
    readonly layers: readonly tf.layers.Layer[],
    readonly embeddingSize: number,
    readonly classes: number,
  ) {
    this.lastRecurrent = layers.findLastIndex(isRecurrent);
    this.bidirectional = layers.find(isBidirectional);
    this.steppers =
      this.bidirectional === undefined ? layers.filter(isRecurrent).map(stepperFor) : [];
  }

  /**
   * Throws unless the head can carry its state from frame to frame (stateful mode): a
   * Bidirectional layer also reads each window from its end, which a stream does not have.
   * @throws ModelError (`FW_ERR_UNSUPPORTED_MODEL`) naming the Bidirectional layer.
   */
  assertStateful(): void {
    if (this.bidirectional === undefined) return;
    throw new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      `Bidirectional layer ${this.bidirectional.name} reads the window backwards too; it cannot ` +
        `run in stateful mode; use --mode window`,
    );
  }

  /** Frees the stepping copies' weights; the model's own layers are the model's to dispose. */
  dispose(): void {
    for (const stepper of this.steppers) stepper.dispose();
  }

  /**
   * Classifies `windows` windows of `steps` embeddings each, each from a fresh state.
   * @param embeddings - `windows × steps × embeddingSize` floats.
   * @returns `windows × classes` probabilities.
   */
  classifyWindows(embeddings: Float32Array, windows: number, steps: number): Float32Array {
    if (windows === 0) return new Float32Array(0);
    const scores = tf.tidy(() => {
      let x: tf.Tensor = tf.tensor3d(embeddings, [windows, steps, this.embeddingSize]);
      for (const layer of this.layers) x = layer.apply(x, { training: false }) as tf.Tensor;
      return x;
    });
    return readAndDispose(scores);
  }

  /** A zero state for a new stream in stateful mode; see {@link RecurrentHead.assertStateful}. */
  createState(): StreamState {
    this.assertStateful();
    return new StreamState(
      this.steppers.map((layer) =>
        Array.from({ length: stateCount(layer) }, () => tf.zeros([1, unitsOf(layer)])),
      ),
    );
  }

  /**
   * A state restored from {@link StreamState.toArrays} (a checkpoint), checked against the
   * layers' state sizes. The arrays are read as one list of state tensors in order (`h`, then
   * `c` for an LSTM, layer after layer), however they are grouped: a checkpoint of the same
   * model's ONNX head (`framewise convert --to onnx`), one array per state input, fits too.
   * @throws RangeError when the arrays do not fit this model.
   */
  restoreState(arrays: readonly (readonly (readonly number[])[])[]): StreamState {
    const fresh = this.createState();
    const sizes = fresh.layers.map((layer) => layer.map((t) => t.size));
    fresh.dispose();
    const tensors = arrays.flat();
    const fits =
      tensors.length === sizes.flat().length &&
      sizes.flat().every((size, i) => tensors[i]!.length === size);
    if (!fits) throw new RangeError('the saved recurrent state does not fit this model');
    let next = 0;
    return new StreamState(
      sizes.map((layer) =>
        layer.map(() => {
          const values = tensors[next++]!;
          return tf.tensor2d([...values], [1, values.length]);
        }),
      ),
    );
  }

  /**
   * Advances `state` over `frames` consecutive embeddings and classifies the frames at positions
   * `emitAt` (0-based within this call, ascending).
   * @param embeddings - `frames × embeddingSize` floats.
   * @returns `emitAt.length × classes` probabilities.
   */
  step(
    state: HeadState,
    embeddings: Float32Array,
    frames: number,
    emitAt: readonly number[],
  ): Float32Array {
    if (frames === 0) return new Float32Array(0);
    if (!(state instanceof StreamState))
      throw new TypeError('the state is not a TensorFlow.js head state');
    const steppers = this.steppers;
    const { probabilities, next } = tf.tidy(() => {
      let x: tf.Tensor = tf.tensor3d(embeddings, [1, frames, this.embeddingSize]);
      const nextState: tf.Tensor[][] = [];
      let r = 0;
      for (const [i, layer] of this.layers.entries()) {
        if (i > this.lastRecurrent) break;
        if (isRecurrent(layer)) {
          const [sequence, ...states] = steppers[r]!.apply(x, {
            initialState: state.layers[r],
          }) as tf.Tensor[];
          x = sequence!;
          nextState.push(states.map((s) => tf.keep(s)));
          r++;
        } else {
          x = layer.apply(x, { training: false }) as tf.Tensor;
        }
      }
      let y: tf.Tensor = tf.gather(x.squeeze([0]), tf.tensor1d(emitAt as number[], 'int32'));
      for (const layer of this.layers.slice(this.lastRecurrent + 1)) {
        y = layer.apply(y, { training: false }) as tf.Tensor;
      }
      return { probabilities: y, next: nextState };
    });
    state.replace(next);
    const scores = readAndDispose(probabilities);
    return emitAt.length === 0 ? new Float32Array(0) : scores;
  }
}

/** A copy of a recurrent layer, with its weights, that returns its sequence and its states. */
function stepperFor(layer: tf.layers.Layer): tf.layers.Layer {
  const Ctor = layer.constructor as LayerConstructor;
  const stepper = new Ctor({
    ...layer.getConfig(),
    name: `${layer.name}_stepper`,
    returnSequences: true,
    returnState: true,
  });
  // A recurrent layer's first weight is its input kernel, [inputSize, gates × units].
  const inputSize = layer.getWeights()[0]!.shape[0]!;
  // Layer.apply is what marks a layer built; calling build() alone would build it twice.
  tf.tidy(() => {
    stepper.apply(tf.zeros([1, 1, inputSize]));
  });
  stepper.setWeights(layer.getWeights());
  return stepper;
}

function unitsOf(layer: tf.layers.Layer): number {
  return layer.getConfig().units as number;
}

function stateCount(layer: tf.layers.Layer): number {
  return layer.getClassName() === 'LSTM' ? 2 : 1;
}
