import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../errors.js';
import { RESET_AFTER_GRU_CLASS } from '../load/reset-after-gru.js';
import { OnnxBuilder, type TensorSpec } from './onnx-builder.js';
import { activationNodes, activationOf } from './translate-layer.js';

/** Name of the translated head's first input: embeddings `[batch, steps, embeddingSize]`. */
export const ONNX_EMBEDDINGS = 'embeddings';
/** Name of its first output: class probabilities `[batch, classes]` of the last step. */
export const ONNX_PROBABILITIES = 'probabilities';

/** A head as an ONNX model, and the state inputs it takes. */
export interface TranslatedHead {
  /** The ONNX model's protobuf bytes. */
  readonly bytes: Uint8Array;
  /** Its `state_in_i` inputs, answered by `state_out_i` outputs: each `[batch, units]`. */
  readonly states: readonly { readonly name: string; readonly size: readonly number[] }[];
}

/** Keras' recurrent layers and ONNX's operator for each. */
const RECURRENT_OPS: Readonly<Record<string, 'LSTM' | 'GRU' | 'RNN'>> = {
  LSTM: 'LSTM',
  GRU: 'GRU',
  [RESET_AFTER_GRU_CLASS]: 'GRU',
  SimpleRNN: 'RNN',
};
/** Activations of recurrent layers, by TensorFlow.js' name, as ONNX's RNN operators name them. */
const RECURRENT_ACTIVATIONS: Readonly<Record<string, string>> = {
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  relu: 'Relu',
  // TensorFlow.js' hard sigmoid is 0.2·x + 0.5, clipped: ONNX's HardSigmoid by default.
  hardSigmoid: 'HardSigmoid',
  softsign: 'Softsign',
  softplus: 'Softplus',
};
/** ONNX's gate order of LSTM weights (i, o, f, c) as indices into Keras' (i, f, c, o). */
const LSTM_GATES = [0, 3, 1, 2];

/** A tensor of the head: its ONNX name and rank (3 while it is a sequence, 2 after). */
interface HeadValue {
  readonly name: string;
  readonly rank: 2 | 3;
}

/**
 * Translates a model's head (what follows its per-frame encoder: LSTM, GRU, SimpleRNN or
 * Bidirectional layers, then Dense, Dropout and Activation layers, as framewise runs them) into
 * an ONNX model of the form an ONNX model directory's head.onnx takes: embeddings `[b, T, F]`
 * in, the last step's class probabilities `[b, classes]` out, and for stateful mode one
 * `state_in_i`/`state_out_i` pair per state tensor (`h`, then `c` for an LSTM), layer by layer.
 * A head with a Bidirectional layer reads each window from its end too: it gets no states and
 * runs in window mode only.
 * @throws {@link ModelError} `FW_ERR_UNSUPPORTED_MODEL` naming the first layer that has no
 *   translation, and why.
 */
export function translateHead(
  layers: readonly tf.layers.Layer[],
  embeddingSize: number,
  classes: number,
): TranslatedHead {
  const b = new OnnxBuilder();
  const stateful = !layers.some((layer) => layer.getClassName() === 'Bidirectional');
  const inputs: TensorSpec[] = [{ name: ONNX_EMBEDDINGS, dims: ['batch', 'steps', embeddingSize] }];
  const outputs: TensorSpec[] = [];
  const states: { name: string; size: number[] }[] = [];
  /** A state input and its output, in the order {@link OnnxHead} feeds them. */
  const state = (units: number) => {
    const i = states.length;
    states.push({ name: `state_in_${i}`, size: [units] });
    inputs.push({ name: `state_in_${i}`, dims: ['batch', units] });
    return {
      input: `state_in_${i}`,
      output: (x: string) => {
        outputs.push({ name: `state_out_${i}`, dims: ['batch', units] });
        b.rename(x, `state_out_${i}`);
      },
    };
  };
  let x: HeadValue = { name: ONNX_EMBEDDINGS, rank: 3 };
  for (const layer of layers) {
    try {
      x = translateHeadLayer(b, layer, x, stateful ? state : undefined);
    } catch (error) {
      if (error instanceof ModelError) throw error;
      throw new ModelError(
        'FW_ERR_UNSUPPORTED_MODEL',
        `layer ${layer.name} (${layer.getClassName()}) has no ONNX translation: ` +
          `${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (x.rank !== 2) {
    throw new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      'the head gives a sequence; its last recurrent layer must not return sequences',
    );
  }
  outputs.unshift({ name: ONNX_PROBABILITIES, dims: ['batch', classes] });
  b.rename(x.name, ONNX_PROBABILITIES);
  return { bytes: b.build('framewise_head', inputs, outputs), states };
}

type StateSlot = (units: number) => { input: string; output: (x: string) => void };

function translateHeadLayer(
  b: OnnxBuilder,
  layer: tf.layers.Layer,
  x: HeadValue,
  state: StateSlot | undefined,
): HeadValue {
  const className = layer.getClassName();
  if (className === 'Dropout') return x;
  if (className === 'Activation') {
    return {
      name: activationNodes(b, layer.name, x.name, activationOf(layer), x.rank),
      rank: x.rank,
    };
  }
  if (className === 'Dense') return dense(b, layer, x);
  if (x.rank !== 3) throw new Error('it comes after the last recurrent layer');
  if (className === 'Bidirectional') return bidirectional(b, layer, x);
  if (RECURRENT_OPS[className] === undefined)
    throw new Error('framewise does not run it in a head');
  return recurrent(b, layer, className, layer.getConfig(), [layer.getWeights()], x, state);
}

function dense(b: OnnxBuilder, layer: tf.layers.Layer, x: HeadValue): HeadValue {
  const [kernel, bias] = layer.getWeights();
  let y = b.node('MatMul', [x.name, constant(b, `${layer.name}_W`, kernel!)], layer.name);
  if (bias !== undefined) y = b.node('Add', [y, constant(b, `${layer.name}_B`, bias)], layer.name);
  return { name: activationNodes(b, layer.name, y, activationOf(layer), x.rank), rank: x.rank };
}

/**
 * A Bidirectional layer (merge mode concat): ONNX's bidirectional direction, the forward
 * layer's weights first, as TensorFlow.js lists them.
 */
function bidirectional(b: OnnxBuilder, layer: tf.layers.Layer, x: HeadValue): HeadValue {
  const config = layer.getConfig();
  const mergeMode = config.mergeMode ?? 'concat';
  if (mergeMode !== 'concat')
    throw new Error(`its merge mode ${String(mergeMode)} is not translated`);
  const inner = config.layer as { className: string; config: tf.serialization.ConfigDict };
  if (RECURRENT_OPS[inner.className] === undefined) {
    throw new Error(`it wraps ${inner.className}, which framewise does not run in a head`);
  }
  const weights = layer.getWeights();
  const half = weights.length / 2;
  return recurrent(
    b,
    layer,
    inner.className,
    inner.config,
    [weights.slice(0, half), weights.slice(half)],
    x,
    undefined,
  );
}

/**
 * An LSTM, GRU or SimpleRNN over the sequence `x` (`[b, T, F]`): ONNX's operator of the same
 * maths, time first inside, one direction per weight list.
 */
function recurrent(
  b: OnnxBuilder,
  layer: tf.layers.Layer,
  className: string,
  config: tf.serialization.ConfigDict,
  directions: readonly tf.Tensor[][],
  x: HeadValue,
  state: StateSlot | undefined,
): HeadValue {
  const op = RECURRENT_OPS[className]!;
  if (config.goBackwards === true)
    throw new Error('it reads the sequence backwards (go_backwards)');
  const units = config.units as number;
  const useBias = config.useBias !== false;
  const name = layer.name;
  const gates = { LSTM: 4, GRU: 3, RNN: 1 }[op];
  const resetAfter = className === RESET_AFTER_GRU_CLASS;
  const W: Float32Array[] = [];
  const R: Float32Array[] = [];
  const B: Float32Array[] = [];
  for (const [kernel, recurrentKernel, bias] of directions) {
    const reorder = (t: tf.Tensor) => gateRows(t, units, op === 'LSTM' ? LSTM_GATES : range(gates));
    W.push(reorder(kernel!));
    R.push(reorder(recurrentKernel!));
    const biases = new Float32Array(2 * gates * units);
    if (useBias) {
      // ONNX adds an input bias and a recurrent bias; reset_after's GRU keeps both, others one.
      const values = bias!.dataSync() as Float32Array;
      const inputBias = values.subarray(0, gates * units);
      biases.set(gatesOf(inputBias, units, op === 'LSTM' ? LSTM_GATES : range(gates)));
      if (resetAfter) biases.set(values.subarray(gates * units), gates * units);
    }
    B.push(biases);
  }
  const count = directions.length;
  const inputSize = directions[0]![0]!.shape[0]!;
  const gate = recurrentActivation(config.recurrentActivation, 'sigmoid');
  const cell = recurrentActivation(config.activation, 'tanh');
  // Per direction: LSTM's gates, cell and output; GRU's gates and candidate; RNN's one.
  const perDirection = { LSTM: [gate, cell, cell], GRU: [gate, cell], RNN: [cell] }[op];
  const attributes = {
    hidden_size: units,
    direction: count === 2 ? 'bidirectional' : 'forward',
    activations: directions.flatMap(() => perDirection),
    ...(op === 'GRU' ? { linear_before_reset: resetAfter ? 1 : 0 } : {}),
  };
  const timeFirst = b.node('Transpose', [x.name], `${name}_time_first`, { perm: [1, 0, 2] });
  const slots = op === 'LSTM' ? 2 : 1;
  const initial = state === undefined ? [] : Array.from({ length: slots }, () => state(units));
  const initialInputs = initial.map((s) => unsqueeze(b, s.input, 0));
  const [y, yH, yC] = b.nodeOutputs(
    op,
    [
      timeFirst,
      b.constant(`${name}_W`, concat(W), [count, gates * units, inputSize]),
      b.constant(`${name}_R`, concat(R), [count, gates * units, units]),
      b.constant(`${name}_B`, concat(B), [count, 2 * gates * units]),
      '',
      ...initialInputs,
    ],
    op === 'LSTM' ? [`${name}_Y`, `${name}_Y_h`, `${name}_Y_c`] : [`${name}_Y`, `${name}_Y_h`],
    attributes,
  );
  initial[0]?.output(squeeze(b, yH!, 0));
  initial[1]?.output(squeeze(b, yC!, 0));
  if (config.returnSequences === true) {
    // Y: [T, directions, b, units] → [b, T, directions × units].
    const batchFirst = b.node('Transpose', [y!], `${name}_batch_first`, { perm: [2, 0, 1, 3] });
    const shape = b.int64(`${name}_shape`, [0, 0, count * units]);
    return { name: b.node('Reshape', [batchFirst, shape], name), rank: 3 };
  }
  // Y_h: [directions, b, units] → [b, directions × units] (forward first, as concat merges).
  const batchFirst = b.node('Transpose', [yH!], `${name}_batch_first`, { perm: [1, 0, 2] });
  const shape = b.int64(`${name}_shape`, [0, count * units]);
  return { name: b.node('Reshape', [batchFirst, shape], name), rank: 2 };
}

function recurrentActivation(value: unknown, fallback: string): string {
  const name = typeof value === 'string' ? value : fallback;
  const onnx = RECURRENT_ACTIVATIONS[name];
  if (onnx === undefined) throw new Error(`its activation ${name} is not translated`);
  return onnx;
}

/**
 * A Keras kernel `[in, gates × units]` as ONNX's `[gates × units, in]`, its gates in the order
 * `order` gives (indices into Keras' order).
 */
function gateRows(kernel: tf.Tensor, units: number, order: readonly number[]): Float32Array {
  const transposed = tf.tidy(() => kernel.transpose().dataSync() as Float32Array);
  const rows = kernel.shape[0]!;
  const out = new Float32Array(transposed.length);
  order.forEach((gate, i) => {
    out.set(transposed.subarray(gate * units * rows, (gate + 1) * units * rows), i * units * rows);
  });
  return out;
}

/** A bias `[gates × units]` with its gates in the order `order` gives. */
function gatesOf(bias: Float32Array, units: number, order: readonly number[]): Float32Array {
  const out = new Float32Array(bias.length);
  order.forEach((gate, i) => out.set(bias.subarray(gate * units, (gate + 1) * units), i * units));
  return out;
}

function constant(b: OnnxBuilder, hint: string, t: tf.Tensor): string {
  return b.constant(hint, t.dataSync() as Float32Array, t.shape);
}

function unsqueeze(b: OnnxBuilder, x: string, axis: number): string {
  return b.node('Unsqueeze', [x, b.int64(`${x}_axes`, [axis])], `${x}_unsqueezed`);
}

function squeeze(b: OnnxBuilder, x: string, axis: number): string {
  return b.node('Squeeze', [x, b.int64(`${x}_axes`, [axis])], `${x}_squeezed`);
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
