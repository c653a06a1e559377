import * as tf from '@tensorflow/tfjs';
import {
  consumers,
  FRAME,
  type EncoderGraph,
  type GraphNode,
  type GraphSource,
} from '../load/encoder-graph.js';
import type { Preprocessing } from '../load/framewise-config.js';
import { rewriteGraph } from './rewrite-graph.js';
import { isGlobalAverage } from './whole-frame-pooling.js';

type LayerConstructor = new (config: tf.serialization.ConfigDict) => tf.layers.Layer;

/** An encoder and head rewritten for inference, computing the same function with fewer ops. */
export interface FoldedModel {
  readonly encoder: EncoderGraph;
  readonly headLayers: tf.layers.Layer[];
  readonly preprocessing: Preprocessing;
  /** Layers framewise made (copies with folded weights): the caller disposes them. */
  readonly created: tf.layers.Layer[];
  /** How many BatchNormalization layers and input scales were folded away. */
  readonly folded: number;
}

/** Recurrent layers whose weights are [input kernel, recurrent kernel, bias]. */
const FOLDABLE_RECURRENT = new Set(['LSTM', 'GRU', 'SimpleRNN']);
/** Convolutions a BatchNormalization after them folds into: their output is per channel. */
const CONVOLUTIONS = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D']);

/**
 * Folds, at load time and exactly, each BatchNormalization (an affine map per channel at
 * inference) of the encoder graph that can go:
 * - into the convolution before it (`Conv2D`, `DepthwiseConv2D`, `SeparableConv2D`, with no
 *   activation), when the BatchNorm is the only reader of that convolution's output: in a
 *   residual block the other branch may read the convolution, and then the BatchNorm stays;
 * - into the `Conv2D` after it, when that convolution is its only reader and pads nothing (1×1
 *   or `valid`), so the affine's offset never meets a zero pad;
 * - through the final GlobalAveragePooling2D, or a final `valid` AveragePooling2D and Flatten
 *   (a grid of averages), into the first recurrent layer's input kernel and bias, when the
 *   pooling is its only reader (an average of an affine map is the affine map of the average);
 * and the input preprocessing (`pixel × scale + offset`, then per-channel mean and standard
 * deviation) into the first convolution, when it is the frame's only reader and either pads
 * nothing or the preprocessing is a scale alone (a shift would meet its zero padding). The model's own layers are left untouched (training and `predict()`
 * still use them); the graph given is not changed.
 */
export function foldBatchNorm(
  encoder: EncoderGraph,
  head: readonly tf.layers.Layer[],
  preprocessing: Preprocessing,
): FoldedModel {
  const created: tf.layers.Layer[] = [];
  let folded = 0;
  let graph = foldIntoConvolutionBefore(encoder, created, () => folded++);
  let input = preprocessing;
  const first = consumers(graph).get(FRAME);
  const conv = first?.length === 1 ? first[0]! : undefined;
  if (conv !== undefined && isConv(conv.layer)) {
    const [a, b] = inputAffine(preprocessing, channelsIn(conv.layer));
    // A shift meets the zero padding of a convolution that pads: only a scale folds through it.
    const foldable = !isIdentity(a, b) && (b.every((v) => v === 0) || padsNothing(conv.layer));
    if (foldable) {
      const [ta, tb] = [tf.tensor1d(a), tf.tensor1d(b)];
      const copy = copyWith(conv.layer, scaleConv(conv.layer, ta, tb), created);
      tf.dispose([ta, tb]);
      graph = rewriteGraph(graph, (node, inputs) =>
        node === conv ? [{ layer: copy, inputs }] : undefined,
      );
      input = { scale: 1, offset: 0, channelOrder: preprocessing.channelOrder };
      folded++;
    }
  }
  graph = foldIntoConvolutionAfter(graph, created, () => folded++);
  let headLayers = [...head];
  const recurrent = headLayers[0];
  const last =
    recurrent !== undefined && foldableRecurrent(recurrent) ? poolsLast(graph) : undefined;
  if (last !== undefined) {
    const [a, b] = affine(last.layer);
    headLayers = [
      copyWith(recurrent!, scaleRecurrent(recurrent!, a, b), created),
      ...headLayers.slice(1),
    ];
    tf.dispose([a, b]);
    graph = rewriteGraph(graph, (node, inputs) => (node === last ? inputs[0]! : undefined));
    folded++;
  }
  return {
    encoder: graph,
    headLayers,
    preprocessing: input,
    created,
    folded,
  };
}

/** Conv → BatchNorm, the BatchNorm the convolution's only reader: one convolution. */
function foldIntoConvolutionBefore(
  graph: EncoderGraph,
  created: tf.layers.Layer[],
  count: () => void,
): EncoderGraph {
  const readers = consumers(graph);
  const copies = new Map<GraphNode, tf.layers.Layer>();
  for (const node of graph.nodes) {
    const conv = node.inputs[0];
    if (!isBatchNorm(node.layer) || conv === undefined || conv === FRAME) continue;
    if (!isLinearConv(conv.layer) || readers.get(conv)?.length !== 1) continue;
    const [a, b] = affine(node.layer);
    copies.set(
      node,
      copyWith(conv.layer, scaleOutput(conv.layer, a, b), created, { useBias: true }),
    );
    tf.dispose([a, b]);
    count();
  }
  const convOf = new Map([...copies.keys()].map((bn) => [bn.inputs[0] as GraphNode, bn]));
  return rewriteGraph(graph, (node, inputs) => {
    const bn = convOf.get(node);
    if (bn !== undefined) return [{ layer: copies.get(bn)!, inputs }];
    return copies.has(node) ? inputs[0]! : undefined;
  });
}

/** BatchNorm → padless Conv2D, the convolution the BatchNorm's only reader: one convolution. */
function foldIntoConvolutionAfter(
  graph: EncoderGraph,
  created: tf.layers.Layer[],
  count: () => void,
): EncoderGraph {
  const readers = consumers(graph);
  const copies = new Map<GraphNode, tf.layers.Layer>();
  for (const node of graph.nodes) {
    if (!isBatchNorm(node.layer)) continue;
    const next = readers.get(node);
    const conv = next?.length === 1 ? next[0]! : undefined;
    if (conv === undefined || !isConv(conv.layer) || !padsNothing(conv.layer) || copies.has(conv)) {
      continue;
    }
    const [a, b] = affine(node.layer);
    copies.set(conv, copyWith(conv.layer, scaleConv(conv.layer, a, b), created));
    tf.dispose([a, b]);
    count();
  }
  const folded = new Set([...copies.keys()].map((conv) => conv.inputs[0] as GraphNode));
  return rewriteGraph(graph, (node, inputs) => {
    if (folded.has(node)) return inputs[0]!;
    const copy = copies.get(node);
    return copy === undefined ? undefined : [{ layer: copy, inputs }];
  });
}

/**
 * The BatchNorm whose output only goes through an average pooling into the embedding: a
 * GlobalAveragePooling2D, or a channels-last AveragePooling2D that pads nothing then a Flatten.
 */
function poolsLast(graph: EncoderGraph): GraphNode | undefined {
  const { output } = graph;
  if (output === FRAME) return undefined;
  const readers = consumers(graph);
  let pool: GraphSource | undefined = output;
  if (output.layer.getClassName() === 'Flatten') {
    pool = output.inputs[0];
    if (pool === undefined || pool === FRAME || readers.get(pool)?.length !== 1) return undefined;
    const config = pool.layer.getConfig();
    const valid = config.padding === 'valid' && config.dataFormat !== 'channelsFirst';
    if (pool.layer.getClassName() !== 'AveragePooling2D' || !valid) return undefined;
  } else if (!isGlobalAverage(output.layer)) {
    return undefined;
  }
  const bn = pool.inputs[0];
  if (bn === undefined || bn === FRAME || !isBatchNorm(bn.layer)) return undefined;
  return readers.get(bn)?.length === 1 ? bn : undefined;
}

function isConv(layer: tf.layers.Layer): boolean {
  const config = layer.getConfig();
  return (
    layer.getClassName() === 'Conv2D' &&
    config.useBias === true &&
    config.dataFormat !== 'channelsFirst'
  );
}

/** A convolution whose output is its weighted sum, per output channel, before any activation. */
function isLinearConv(layer: tf.layers.Layer): boolean {
  const config = layer.getConfig();
  return (
    CONVOLUTIONS.has(layer.getClassName()) &&
    (config.activation === undefined || config.activation === 'linear') &&
    config.dataFormat !== 'channelsFirst'
  );
}

/** A BatchNormalization over the channels of a frame's feature map (Keras writes `axis: [3]`). */
function isBatchNorm(layer: tf.layers.Layer): boolean {
  const axis = [layer.getConfig().axis].flat()[0];
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

/** The preprocessing as `x × a[c] + b[c]` per input channel. */
function inputAffine(p: Preprocessing, channels: number): [number[], number[]] {
  const at = (values: readonly number[] | undefined, c: number, fallback: number) =>
    values?.[values.length === 1 ? 0 : c] ?? fallback;
  const a = Array.from({ length: channels }, (_, c) => p.scale / at(p.std, c, 1));
  const b = Array.from(
    { length: channels },
    (_, c) => (p.offset - at(p.mean, c, 0)) / at(p.std, c, 1),
  );
  return [a, b];
}

function isIdentity(a: readonly number[], b: readonly number[]): boolean {
  return a.every((v) => v === 1) && b.every((v) => v === 0);
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

/**
 * A convolution's weights with an affine `y × a + b` of its output channels applied: the
 * kernel's output columns × a, the bias × a + b (a missing bias is 0). A depthwise
 * convolution's output channel `c × multiplier + m` comes from input channel c; a separable
 * one's from its pointwise kernel.
 */
function scaleOutput(conv: tf.layers.Layer, a: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor[] {
  return tf.tidy(() => {
    const weights = conv.getWeights();
    const useBias = conv.getConfig().useBias === true;
    const bias = useBias ? weights[weights.length - 1]! : tf.zerosLike(a);
    const kernels = useBias ? weights.slice(0, -1) : weights;
    const last = kernels[kernels.length - 1]!;
    const scaled = kernels.slice(0, -1).map((k) => k.clone());
    const shape = last.shape;
    const perOutput =
      conv.getClassName() === 'DepthwiseConv2D'
        ? last.mul(a.reshape([1, 1, shape[2]!, shape[3]!]))
        : last.mul(a.reshape([1, 1, 1, -1]));
    return [...scaled, perOutput, bias.mul(a).add(b)];
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

/**
 * A copy of `layer` (same class and config, with `changes`) carrying `weights`, which it takes
 * over (they are disposed).
 */
function copyWith(
  layer: tf.layers.Layer,
  weights: tf.Tensor[],
  created: tf.layers.Layer[],
  changes: tf.serialization.ConfigDict = {},
): tf.layers.Layer {
  const Ctor = layer.constructor as LayerConstructor;
  const config = { ...layer.getConfig(), ...ownConfig(layer, weights), ...changes };
  const copy = new Ctor({ ...config, name: `${layer.name}_folded` });
  // Layer.apply is what marks a layer built: run it once on a dummy input of the right shape.
  tf.tidy(() => {
    copy.apply(tf.zeros(dummyShape(layer, weights)));
  });
  copy.setWeights(weights);
  tf.dispose(weights);
  created.push(copy);
  return copy;
}

/**
 * What a layer's `getConfig()` leaves out: TensorFlow.js 4.22's SeparableConv2D omits its depth
 * multiplier, which its depthwise kernel `[h, w, in, multiplier]` holds.
 */
function ownConfig(layer: tf.layers.Layer, weights: tf.Tensor[]): tf.serialization.ConfigDict {
  return layer.getClassName() === 'SeparableConv2D'
    ? { depthMultiplier: weights[0]!.shape[3]! }
    : {};
}

/** A smallest input the copy accepts: an image the kernel fits, or one step of one vector. */
function dummyShape(layer: tf.layers.Layer, weights: tf.Tensor[]): number[] {
  const kernel = weights[0]!;
  if (!CONVOLUTIONS.has(layer.getClassName())) return [1, 1, kernel.shape[0]!];
  const config = layer.getConfig();
  const rate = Array.isArray(config.dilationRate)
    ? Math.max(...(config.dilationRate as number[]))
    : 1;
  const [kh, kw] = [kernel.shape[0]!, kernel.shape[1]!];
  const side = (k: number) => 2 * ((k - 1) * rate + 1);
  return [1, side(kh), side(kw), kernel.shape[2]!];
}
