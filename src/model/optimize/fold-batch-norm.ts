import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from '../load/framewise-config.js';

type LayerConstructor = new (config: tf.serialization.ConfigDict) => tf.layers.Layer;

/** An encoder and head rewritten for inference, computing the same function with fewer ops. */
export interface FoldedModel {
  readonly encoderLayers: tf.layers.Layer[];
  readonly headLayers: tf.layers.Layer[];
  readonly preprocessing: Preprocessing;
  /** Layers framewise made (copies with folded weights): the caller disposes them. */
  readonly created: tf.layers.Layer[];
  /** How many BatchNormalization layers and input scales were folded away. */
  readonly folded: number;
}

/** Recurrent layers whose weights are [input kernel, recurrent kernel, bias]. */
const FOLDABLE_RECURRENT = new Set(['LSTM', 'GRU', 'SimpleRNN']);

/**
 * Folds, at load time and exactly:
 * - a BatchNormalization (an affine map per channel at inference) into the convolution after
 *   it, when that convolution pads nothing (1×1 or `valid`), so the affine's offset never meets
 *   a zero pad;
 * - a BatchNormalization before the final GlobalAveragePooling2D, or before a final `valid`
 *   AveragePooling2D and Flatten (a grid of averages), through the pooling (an average of an
 *   affine map is the affine map of the average) into the first recurrent layer's input kernel
 *   and bias;
 * - the input scale (`pixel × scale`, offset 0) into the first convolution.
 * The model's own layers are left untouched (training and `predict()` still use them).
 */
export function foldBatchNorm(
  encoder: readonly tf.layers.Layer[],
  head: readonly tf.layers.Layer[],
  preprocessing: Preprocessing,
): FoldedModel {
  const layers = encoder.flatMap(flatten);
  const created: tf.layers.Layer[] = [];
  const out: tf.layers.Layer[] = [];
  let headLayers = [...head];
  let scale = preprocessing.scale;
  let folded = 0;
  for (let i = 0; i < layers.length; i++) {
    let layer = layers[i]!;
    if (i === 0 && isConv(layer) && preprocessing.offset === 0 && scale !== 1) {
      const a = tf.fill([channelsIn(layer)], scale) as tf.Tensor1D;
      const b = tf.zeros([channelsIn(layer)]) as tf.Tensor1D;
      layer = copyWith(layer, scaleConv(layer, a, b), created);
      tf.dispose([a, b]);
      scale = 1;
      folded++;
    }
    const next = layers[i + 1];
    if (isBatchNorm(layer) && next !== undefined && isConv(next) && padsNothing(next)) {
      const [a, b] = affine(layer);
      layers[i + 1] = copyWith(next, scaleConv(next, a, b), created);
      tf.dispose([a, b]);
      folded++;
      continue;
    }
    const recurrent = headLayers[0];
    const last = poolsLast(layers, i + 1);
    if (isBatchNorm(layer) && last && recurrent !== undefined && foldableRecurrent(recurrent)) {
      const [a, b] = affine(layer);
      headLayers = [
        copyWith(recurrent, scaleRecurrent(recurrent, a, b), created),
        ...headLayers.slice(1),
      ];
      tf.dispose([a, b]);
      folded++;
      continue;
    }
    out.push(layer);
  }
  return {
    encoderLayers: out,
    headLayers,
    preprocessing: { ...preprocessing, scale },
    created,
    folded,
  };
}

/** A nested model's layers, in order; a plain layer as itself. */
function flatten(layer: tf.layers.Layer): tf.layers.Layer[] {
  const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
  return inner === undefined
    ? [layer]
    : inner.filter((l) => l.getClassName() !== 'InputLayer').flatMap(flatten);
}

/**
 * Whether `layers` from `from` on are only an average pooling into the embedding: a
 * GlobalAveragePooling2D, or a channels-last AveragePooling2D that pads nothing then a Flatten.
 */
function poolsLast(layers: readonly tf.layers.Layer[], from: number): boolean {
  const rest = layers.slice(from).map((l) => l.getClassName());
  if (rest.length === 1) return rest[0] === 'GlobalAveragePooling2D';
  if (rest.length !== 2 || rest[0] !== 'AveragePooling2D' || rest[1] !== 'Flatten') return false;
  const config = layers[from]!.getConfig();
  return config.padding === 'valid' && config.dataFormat !== 'channelsFirst';
}

function isConv(layer: tf.layers.Layer): boolean {
  const config = layer.getConfig();
  return (
    layer.getClassName() === 'Conv2D' &&
    config.useBias === true &&
    config.dataFormat !== 'channelsFirst'
  );
}

function isBatchNorm(layer: tf.layers.Layer): boolean {
  const axis = layer.getConfig().axis;
  return layer.getClassName() === 'BatchNormalization' && (axis === -1 || axis === 3);
}

function padsNothing(conv: tf.layers.Layer): boolean {
  const { padding, kernelSize } = conv.getConfig();
  const ones = Array.isArray(kernelSize) ? kernelSize.every((k) => k === 1) : kernelSize === 1;
  return padding === 'valid' || ones;
}

function foldableRecurrent(layer: tf.layers.Layer): boolean {
  return (
    FOLDABLE_RECURRENT.has(layer.getClassName()) &&
    layer.getConfig().useBias === true &&
    layer.getWeights().length === 3
  );
}

function channelsIn(conv: tf.layers.Layer): number {
  return conv.getWeights()[0]!.shape[2]!;
}

/** The BatchNormalization at inference as `x × a + b` per channel. */
function affine(bn: tf.layers.Layer): [tf.Tensor1D, tf.Tensor1D] {
  return tf.tidy(() => {
    const weights = bn.getWeights();
    const config = bn.getConfig();
    const [mean, variance] = weights.slice(-2) as [tf.Tensor1D, tf.Tensor1D];
    const gamma = config.scale === false ? tf.onesLike(mean) : (weights[0] as tf.Tensor1D);
    const beta =
      config.center === false
        ? tf.zerosLike(mean)
        : (weights[config.scale === false ? 0 : 1] as tf.Tensor1D);
    const a = gamma.div(variance.add(config.epsilon as number).sqrt()) as tf.Tensor1D;
    return [a, beta.sub(mean.mul(a)) as tf.Tensor1D];
  });
}

/** Conv weights after an input affine `x × a + b`: kernel × a per input channel; bias + Σ kernel·b. */
function scaleConv(conv: tf.layers.Layer, a: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor[] {
  return tf.tidy(() => {
    const [kernel, bias] = conv.getWeights() as [tf.Tensor4D, tf.Tensor1D];
    const scaled = kernel.mul(a.reshape([1, 1, -1, 1]));
    const shift = kernel.mul(b.reshape([1, 1, -1, 1])).sum([0, 1, 2]);
    return [scaled, bias.add(shift)];
  });
}

/**
 * Recurrent weights after an input affine: input kernel rows × a; bias + b · kernel. The
 * embedding of a grid of pooled cells is the channels of each cell in turn (Flatten of
 * `[rows, columns, channels]`): `a` and `b` repeat once per cell.
 */
function scaleRecurrent(
  layer: tf.layers.Layer,
  perChannelA: tf.Tensor1D,
  perChannelB: tf.Tensor1D,
): tf.Tensor[] {
  return tf.tidy(() => {
    const [kernel, recurrentKernel, bias] = layer.getWeights() as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
    ];
    const cells = kernel.shape[0] / perChannelA.size;
    const [a, b] = [perChannelA.tile([cells]), perChannelB.tile([cells])];
    return [
      kernel.mul(a.reshape([-1, 1])),
      recurrentKernel.clone(),
      bias.add(tf.matMul(b.reshape([1, -1]), kernel).reshape([-1])),
    ];
  });
}

/** A copy of `layer` (same class and config) carrying `weights`, which it takes over. */
function copyWith(
  layer: tf.layers.Layer,
  weights: tf.Tensor[],
  created: tf.layers.Layer[],
): tf.layers.Layer {
  const Ctor = layer.constructor as LayerConstructor;
  const copy = new Ctor({ ...layer.getConfig(), name: `${layer.name}_folded` });
  // Layer.apply is what marks a layer built: run it once on a dummy input of the right shape.
  tf.tidy(() => {
    copy.apply(tf.zeros(dummyShape(layer, weights)));
  });
  copy.setWeights(weights);
  tf.dispose(weights);
  created.push(copy);
  return copy;
}

/** A smallest input the copy accepts: one kernel-sized image, or one step of one vector. */
function dummyShape(layer: tf.layers.Layer, weights: tf.Tensor[]): number[] {
  const kernel = weights[0]!;
  return layer.getClassName() === 'Conv2D'
    ? [1, kernel.shape[0]!, kernel.shape[1]!, kernel.shape[2]!]
    : [1, 1, kernel.shape[0]!];
}
