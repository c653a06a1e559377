import * as tf from '@tensorflow/tfjs';
import type { OnnxBuilder } from './onnx-builder.js';

/**
 * A tensor of the translated graph: its ONNX name, and its shape as TensorFlow.js has it
 * (channels last, batch `null`). A 4-D tensor's ONNX value is channels first.
 */
export interface OnnxValue {
  readonly name: string;
  readonly shape: tf.Shape;
}

type Translate = (
  b: OnnxBuilder,
  layer: tf.layers.Layer,
  inputs: readonly OnnxValue[],
  out: tf.Shape,
) => string;

/** NHWC axis → NCHW axis, for 4-D tensors. */
const NCHW_AXIS = [0, 2, 3, 1];
/** Elementwise merge layers and their ONNX operator. */
const MERGES: Readonly<Record<string, string>> = {
  Add: 'Sum',
  Multiply: 'Mul',
  Subtract: 'Sub',
  Average: 'Mean',
  Maximum: 'Max',
  Minimum: 'Min',
};
/** Layers that do nothing at inference. */
const IDENTITIES = new Set([
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianDropout',
  'GaussianNoise',
  'AlphaDropout',
  'InputLayer',
]);

/**
 * The ONNX nodes of one layer call on `inputs`, whose output has TensorFlow.js shape `out`;
 * resolves with the output's ONNX name.
 * @throws Error saying why the layer cannot be translated.
 */
export function translateLayer(
  b: OnnxBuilder,
  layer: tf.layers.Layer,
  inputs: readonly OnnxValue[],
  out: tf.Shape,
): string {
  const className = layer.getClassName();
  if (IDENTITIES.has(className)) return inputs[0]!.name;
  const merge = MERGES[className];
  if (merge !== undefined) return mergeLayer(b, layer, inputs, merge);
  const translate = TRANSLATIONS[className];
  if (translate === undefined) throw new Error('ONNX Runtime support for it is not written');
  return translate(b, layer, inputs, out);
}

const TRANSLATIONS: Readonly<Record<string, Translate>> = {
  Conv2D: (b, layer, [x]) => {
    const [kernel, bias] = weights(layer);
    const w = b.constant(`${layer.name}_W`, transposed(kernel!, [3, 2, 0, 1]), oihw(kernel!));
    const inputs = [
      x!.name,
      w,
      ...(bias === undefined
        ? []
        : [b.constant(`${layer.name}_B`, bias.dataSync() as Float32Array, bias.shape)]),
    ];
    const y = b.node('Conv', inputs, layer.name, convAttributes(layer, x!.shape, kernel!.shape));
    return activationNodes(b, layer.name, y, activationOf(layer), 4);
  },
  DepthwiseConv2D: (b, layer, [x]) => {
    const [kernel, bias] = weights(layer);
    return activationNodes(
      b,
      layer.name,
      depthwise(b, layer, x!, kernel!, bias),
      activationOf(layer),
      4,
    );
  },
  SeparableConv2D: (b, layer, [x]) => {
    const [depthKernel, pointKernel, bias] = weights(layer);
    const d = depthwise(b, layer, x!, depthKernel!, undefined);
    const w = b.constant(
      `${layer.name}_pointwise`,
      transposed(pointKernel!, [3, 2, 0, 1]),
      oihw(pointKernel!),
    );
    const inputs = [
      d,
      w,
      ...(bias === undefined
        ? []
        : [b.constant(`${layer.name}_B`, bias.dataSync() as Float32Array, bias.shape)]),
    ];
    return activationNodes(
      b,
      layer.name,
      b.node('Conv', inputs, layer.name, { kernel_shape: [1, 1] }),
      activationOf(layer),
      4,
    );
  },
  BatchNormalization: (b, layer, [x]) => {
    const config = layer.getConfig();
    // Keras writes the axis as a list: `[3]`.
    const axis = [config.axis as number | number[]].flat()[0];
    if (axis !== -1 && axis !== x!.shape.length - 1)
      throw new Error(`it normalises axis ${axis}, not the channels`);
    const all = layer.getWeights();
    const [mean, variance] = all.slice(-2) as [tf.Tensor, tf.Tensor];
    const channels = mean.size;
    const gamma =
      config.scale === false
        ? new Float32Array(channels).fill(1)
        : (all[0]!.dataSync() as Float32Array);
    const beta =
      config.center === false
        ? new Float32Array(channels)
        : (all[config.scale === false ? 0 : 1]!.dataSync() as Float32Array);
    const inputs = [
      x!.name,
      b.constant(`${layer.name}_gamma`, gamma, [channels]),
      b.constant(`${layer.name}_beta`, beta, [channels]),
      b.constant(`${layer.name}_mean`, mean.dataSync() as Float32Array, [channels]),
      b.constant(`${layer.name}_var`, variance.dataSync() as Float32Array, [channels]),
    ];
    return b.node('BatchNormalization', inputs, layer.name, { epsilon: config.epsilon as number });
  },
  Activation: (b, layer, [x]) =>
    activationNodes(b, layer.name, x!.name, activationOf(layer), x!.shape.length),
  ReLU: (b, layer, [x]) => {
    const max = layer.getConfig().maxValue as number | null | undefined;
    if (max === null || max === undefined) return b.node('Relu', [x!.name], layer.name);
    return clip(b, layer.name, x!.name, 0, max);
  },
  LeakyReLU: (b, layer, [x]) =>
    b.node('LeakyRelu', [x!.name], layer.name, { alpha: layer.getConfig().alpha as number }),
  ELU: (b, layer, [x]) =>
    b.node('Elu', [x!.name], layer.name, { alpha: layer.getConfig().alpha as number }),
  Softmax: (b, layer, [x]) => softmax(b, layer.name, x!.name, x!.shape.length),
  ZeroPadding2D: (b, layer, [x]) => {
    const [[top, bottom], [left, right]] = layer.getConfig().padding as [
      [number, number],
      [number, number],
    ];
    const pads = b.int64(`${layer.name}_pads`, [0, 0, top, left, 0, 0, bottom, right]);
    return b.node('Pad', [x!.name, pads], layer.name, { mode: 'constant' });
  },
  MaxPooling2D: (b, layer, [x]) =>
    b.node('MaxPool', [x!.name], layer.name, poolAttributes(layer, x!.shape)),
  AveragePooling2D: (b, layer, [x]) =>
    b.node('AveragePool', [x!.name], layer.name, {
      ...poolAttributes(layer, x!.shape),
      count_include_pad: 0,
    }),
  GlobalAveragePooling2D: (b, layer, [x]) =>
    flatten(b, layer.name, b.node('GlobalAveragePool', [channelsLast(layer, x!)], layer.name)),
  GlobalAveragePooling2DKeepdims: (b, layer, [x]) =>
    b.node('GlobalAveragePool', [x!.name], layer.name),
  GlobalMaxPooling2D: (b, layer, [x]) =>
    flatten(b, layer.name, b.node('GlobalMaxPool', [channelsLast(layer, x!)], layer.name)),
  Flatten: (b, layer, [x]) =>
    flatten(b, layer.name, x!.shape.length === 4 ? nhwc(b, layer.name, x!.name) : x!.name),
  Reshape: (b, layer, [x], out) => {
    const input = x!.shape.length === 4 ? nhwc(b, layer.name, x!.name) : x!.name;
    const shape = b.int64(`${layer.name}_shape`, [0, ...(out.slice(1) as number[])]);
    const y = b.node('Reshape', [input, shape], layer.name);
    return out.length === 4 ? nchw(b, layer.name, y) : y;
  },
  Dense: (b, layer, [x]) => {
    if (x!.shape.length !== 2)
      throw new Error(
        `it takes a ${x!.shape.length}-D input; framewise translates Dense on vectors`,
      );
    const [kernel, bias] = weights(layer);
    const inputs = [
      x!.name,
      b.constant(`${layer.name}_W`, kernel!.dataSync() as Float32Array, kernel!.shape),
      ...(bias === undefined
        ? []
        : [b.constant(`${layer.name}_B`, bias.dataSync() as Float32Array, bias.shape)]),
    ];
    return activationNodes(
      b,
      layer.name,
      b.node('Gemm', inputs, layer.name),
      activationOf(layer),
      2,
    );
  },
  Concatenate: (b, layer, inputs, out) => {
    const rank = out.length;
    const axis = (layer.getConfig().axis as number | undefined) ?? -1;
    const positive = axis < 0 ? axis + rank : axis;
    return b.node(
      'Concat',
      inputs.map((x) => x.name),
      layer.name,
      { axis: rank === 4 ? NCHW_AXIS[positive]! : positive },
    );
  },
  Rescaling: (b, layer, [x]) => {
    const config = layer.getConfig();
    const scaled = b.node(
      'Mul',
      [x!.name, perChannelConstant(b, `${layer.name}_scale`, config.scale, x!.shape)],
      layer.name,
    );
    return b.node(
      'Add',
      [scaled, perChannelConstant(b, `${layer.name}_offset`, config.offset ?? 0, x!.shape)],
      layer.name,
    );
  },
  Normalization: (b, layer, [x]) => {
    const config = layer.getConfig();
    const stored = layer.getWeights();
    const mean = stored.length >= 2 ? Array.from(stored[0]!.dataSync()) : config.mean;
    const variance = stored.length >= 2 ? Array.from(stored[1]!.dataSync()) : config.variance;
    // Keras divides by max(√variance, 1e-7).
    const std = [variance as number | number[]].flat().map((v) => Math.max(Math.sqrt(v), 1e-7));
    const m = perChannelConstant(b, `${layer.name}_mean`, mean, x!.shape);
    const s = perChannelConstant(b, `${layer.name}_std`, std.length === 1 ? std[0] : std, x!.shape);
    if (config.invert === true)
      return b.node('Add', [b.node('Mul', [x!.name, s], layer.name), m], layer.name);
    return b.node('Div', [b.node('Sub', [x!.name, m], layer.name), s], layer.name);
  },
};

function mergeLayer(
  b: OnnxBuilder,
  layer: tf.layers.Layer,
  inputs: readonly OnnxValue[],
  op: string,
): string {
  const rank = inputs[0]!.shape.length;
  if (inputs.some((x) => x.shape.length !== rank)) throw new Error('its inputs differ in rank');
  if (op === 'Sum' || op === 'Mean' || op === 'Max' || op === 'Min') {
    return b.node(
      op,
      inputs.map((x) => x.name),
      layer.name,
    );
  }
  return inputs.slice(1).reduce((acc, x) => b.node(op, [acc, x.name], layer.name), inputs[0]!.name);
}

/** A DepthwiseConv2D (or a SeparableConv2D's depthwise part): a Conv with one group per channel. */
function depthwise(
  b: OnnxBuilder,
  layer: tf.layers.Layer,
  x: OnnxValue,
  kernel: tf.Tensor,
  bias: tf.Tensor | undefined,
): string {
  const [kh, kw, channels, multiplier] = kernel.shape as [number, number, number, number];
  // TF.js' depthwise kernel [h, w, c, m] gives output channel c × m + m'; ONNX wants [c × m, 1, h, w].
  const w = b.constant(`${layer.name}_depthwise`, transposed(kernel, [2, 3, 0, 1]), [
    channels * multiplier,
    1,
    kh,
    kw,
  ]);
  const inputs = [
    x.name,
    w,
    ...(bias === undefined
      ? []
      : [b.constant(`${layer.name}_B`, bias.dataSync() as Float32Array, bias.shape)]),
  ];
  return b.node('Conv', inputs, layer.name, {
    ...convAttributes(layer, x.shape, kernel.shape),
    group: channels,
  });
}

/** A layer's weights, refusing channels-first layers (the translation assumes channels last). */
function weights(layer: tf.layers.Layer): (tf.Tensor | undefined)[] {
  if (layer.getConfig().dataFormat === 'channelsFirst') throw new Error('it is channels first');
  return layer.getWeights();
}

/** A kernel `[h, w, in, out]` as ONNX's `[out, in, h, w]`. */
function oihw(kernel: tf.Tensor): number[] {
  const [h, w, i, o] = kernel.shape as number[];
  return [o!, i!, h!, w!];
}

function transposed(kernel: tf.Tensor, perm: number[]): Float32Array {
  return tf.tidy(() => tf.transpose(kernel, perm).dataSync() as Float32Array);
}

/**
 * Kernel, strides, dilations and explicit pads of a convolution as TensorFlow.js computes them:
 * `same` pads `total = max((⌈in / s⌉ − 1)·s + (k − 1)·d + 1 − in, 0)`, the smaller half first.
 */
function convAttributes(
  layer: tf.layers.Layer,
  input: tf.Shape,
  kernel: number[],
): Record<string, number[]> {
  const config = layer.getConfig();
  const strides = pair(config.strides, 1);
  const dilations = pair(config.dilationRate, 1);
  const size = [kernel[0]!, kernel[1]!];
  return {
    kernel_shape: size,
    strides,
    dilations,
    pads: pads(config.padding as string, input, size, strides, dilations),
  };
}

function poolAttributes(layer: tf.layers.Layer, input: tf.Shape): Record<string, number[]> {
  const config = layer.getConfig();
  const size = pair(config.poolSize, 2);
  const strides = pair(config.strides ?? config.poolSize, 2);
  return {
    kernel_shape: size,
    strides,
    pads: pads(config.padding as string, input, size, strides, [1, 1]),
  };
}

function pads(
  padding: string,
  input: tf.Shape,
  size: number[],
  strides: number[],
  dilations: number[],
): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding !== 'same') throw new Error(`its padding is ${padding}`);
  const [before, after] = [0, 1]
    .map((axis) => {
      const n = input[axis + 1] as number;
      const effective = (size[axis]! - 1) * dilations[axis]! + 1;
      const total = Math.max(
        (Math.ceil(n / strides[axis]!) - 1) * strides[axis]! + effective - n,
        0,
      );
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    })
    .reduce<[number[], number[]]>(
      (acc, [lo, hi]) => [
        [...acc[0], lo!],
        [...acc[1], hi!],
      ],
      [[], []],
    );
  return [...before, ...after];
}

function pair(value: unknown, fallback: number): number[] {
  if (Array.isArray(value)) return value as number[];
  const n = typeof value === 'number' ? value : fallback;
  return [n, n];
}

/** The name of a layer's activation, as TensorFlow.js serialises it. */
export function activationOf(layer: tf.layers.Layer): string {
  const value = layer.getConfig().activation;
  return typeof value === 'string' ? value : 'linear';
}

/** The nodes of an activation function on `x`, a tensor of rank `rank`. */
export function activationNodes(
  b: OnnxBuilder,
  hint: string,
  x: string,
  name: string,
  rank: number,
): string {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return b.node('Relu', [x], hint);
    case 'relu6':
      return clip(b, hint, x, 0, 6);
    case 'sigmoid':
      return b.node('Sigmoid', [x], hint);
    case 'tanh':
      return b.node('Tanh', [x], hint);
    case 'swish':
      return b.node('Mul', [x, b.node('Sigmoid', [x], hint)], hint);
    case 'elu':
      return b.node('Elu', [x], hint);
    case 'selu':
      return b.node('Selu', [x], hint);
    case 'softplus':
      return b.node('Softplus', [x], hint);
    case 'softsign':
      return b.node('Softsign', [x], hint);
    case 'hardSigmoid':
    case 'hard_sigmoid':
      return b.node('HardSigmoid', [x], hint, { alpha: 0.2, beta: 0.5 });
    case 'mish':
      return b.node('Mul', [x, b.node('Tanh', [b.node('Softplus', [x], hint)], hint)], hint);
    case 'gelu': {
      // 0.5 · x · (1 + erf(x / √2)), as TensorFlow.js computes it.
      const erf = b.node(
        'Erf',
        [b.node('Mul', [x, b.constant(`${hint}_rsqrt2`, [Math.SQRT1_2], [1])], hint)],
        hint,
      );
      const one = b.node('Add', [erf, b.constant(`${hint}_one`, [1], [1])], hint);
      return b.node(
        'Mul',
        [b.node('Mul', [x, one], hint), b.constant(`${hint}_half`, [0.5], [1])],
        hint,
      );
    }
    case 'softmax':
      return softmax(b, hint, x, rank);
    default:
      throw new Error(`its activation ${name} is not translated`);
  }
}

function clip(b: OnnxBuilder, hint: string, x: string, min: number, max: number): string {
  return b.node(
    'Clip',
    [x, b.constant(`${hint}_min`, [min], []), b.constant(`${hint}_max`, [max], [])],
    hint,
  );
}

/** Softmax over the channels: the last axis in TensorFlow.js, the second of a 4-D ONNX tensor. */
function softmax(b: OnnxBuilder, hint: string, x: string, rank: number): string {
  return b.node('Softmax', [x], hint, { axis: rank === 4 ? 1 : -1 });
}

function flatten(b: OnnxBuilder, hint: string, x: string): string {
  return b.node('Flatten', [x], hint, { axis: 1 });
}

function nhwc(b: OnnxBuilder, hint: string, x: string): string {
  return b.node('Transpose', [x], `${hint}_nhwc`, { perm: [0, 2, 3, 1] });
}

function nchw(b: OnnxBuilder, hint: string, x: string): string {
  return b.node('Transpose', [x], `${hint}_nchw`, { perm: [0, 3, 1, 2] });
}

/** A pooling that must see channels last; the translation keeps 4-D maps channels first. */
function channelsLast(layer: tf.layers.Layer, x: OnnxValue): string {
  if (layer.getConfig().dataFormat === 'channelsFirst') throw new Error('it is channels first');
  return x.name;
}

/**
 * A scalar or per-channel constant that broadcasts against a tensor of TensorFlow.js shape
 * `shape`: per channel, `[1, C, 1, 1]` for a 4-D (channels-first in ONNX) tensor, `[C]` else.
 */
function perChannelConstant(b: OnnxBuilder, hint: string, value: unknown, shape: tf.Shape): string {
  const values = [value as number | number[]].flat();
  if (values.length === 1) return b.constant(hint, values, []);
  return b.constant(hint, values, shape.length === 4 ? [1, values.length, 1, 1] : [values.length]);
}
