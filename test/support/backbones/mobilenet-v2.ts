import * as tf from '@tensorflow/tfjs';
import {
  backboneClassifier,
  type BackboneClassifierOptions,
  type BackboneSpec,
} from './backbone-classifier.js';
import type { GraphBuilder } from './graph-builder.js';
import type { BackbonePreprocessing } from './preprocess-input.js';

/** {@link buildMobileNetV2Classifier}'s options. */
export interface MobileNetV2Options extends BackboneClassifierOptions {
  /**
   * Keras' width multiplier `alpha`, > 0.
   * @defaultValue 0.35
   */
  alpha?: number;
  /**
   * Inverted-residual blocks built, from block 0: an integer from 1 to 17, or `'all'` for
   * Keras' whole network (blocks 0–16), as a benchmark needs it.
   * @defaultValue 5 (blocks 0–4: the first two stride-2 stages, two residual adds)
   */
  blocks?: number | 'all';
}

/** Keras' `mobilenet_v2.preprocess_input`: mode `tf`. */
export const MOBILENET_V2_PREPROCESSING: BackbonePreprocessing = { preset: 'tf' };

/** Keras' 17 `_inverted_res_block` calls, block 0 first, filters before `alpha`. */
const INVERTED_RESIDUAL_BLOCKS: readonly [filters: number, stride: 1 | 2, expansion: number][] = [
  [16, 1, 1],
  [24, 2, 6],
  [24, 1, 6],
  [32, 2, 6],
  [32, 1, 6],
  [32, 1, 6],
  [64, 2, 6],
  [64, 1, 6],
  [64, 1, 6],
  [64, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [160, 2, 6],
  [160, 1, 6],
  [160, 1, 6],
  [320, 1, 6],
];
/** Blocks of the default fixture: small, yet with strided blocks and residual adds. */
const DEFAULT_BLOCKS = 5;
/** Filters of `Conv_1`, which Keras does not narrow with an `alpha` below 1. */
const LAST_FILTERS = 1280;
/** Keras' MobileNetV2 BatchNorm settings (epsilon 1e-3, GraphBuilder's default). */
const BN = { momentum: 0.999 };
const SPEC: BackboneSpec = {
  defaultSize: 64,
  preprocessing: MOBILENET_V2_PREPROCESSING,
  kernels: 'glorot',
};

/**
 * MobileNetV2 as `keras/src/applications/mobilenet_v2.py` builds it with `include_top=False,
 * pooling="avg"`, in `TimeDistributed`, then `LSTM` and `Dense(softmax)`: the stem (`Conv1`,
 * `bn_Conv1`, `Conv1_relu`), the first `blocks` inverted-residual blocks (`expanded_conv_*`,
 * then `block_<id>_*`; the stride-2 blocks 1, 3, 6 and 13 behind the `ZeroPadding2D` of
 * `correct_pad`; a residual `block_<id>_add` where a block keeps its stride and width),
 * `Conv_1`/`Conv_1_bn`/`out_relu` (1280 filters, more for an `alpha` above 1) and the
 * pooling. By default blocks 0–4 only; with `blocks: 'all'` and `alpha: 1`, Keras' whole
 * network: 2,257,984 parameters, a 1280-wide embedding. Scaled by `alpha` alone, as Keras does.
 *
 * ## Example
 * ```ts
 * const model = buildMobileNetV2Classifier({ alpha: 1, blocks: 'all', height: 224 });
 * ```
 */
export function buildMobileNetV2Classifier(options: MobileNetV2Options = {}): tf.Sequential {
  const { alpha = 0.35, blocks = DEFAULT_BLOCKS } = options;
  if (!(alpha > 0)) throw new RangeError(`alpha must be > 0, got ${alpha}`);
  const count = blocks === 'all' ? INVERTED_RESIDUAL_BLOCKS.length : blocks;
  if (!Number.isInteger(count) || count < 1 || count > INVERTED_RESIDUAL_BLOCKS.length) {
    throw new RangeError(`blocks must be an integer from 1 to 17 or 'all', got ${blocks}`);
  }
  return backboneClassifier(options, SPEC, (input, b) => {
    let x = b.conv(input, 'Conv1', makeDivisible(32 * alpha), 3, { strides: 2, padding: 'same' });
    x = b.relu6(b.batchNorm(x, 'bn_Conv1', BN), 'Conv1_relu');
    INVERTED_RESIDUAL_BLOCKS.slice(0, count).forEach(([filters, stride, expansion], id) => {
      // Keras truncates before rounding: _make_divisible(int(filters * alpha), 8).
      const pointwise = makeDivisible(Math.trunc(filters * alpha));
      x = invertedResidualBlock(b, x, id, pointwise, stride, expansion);
    });
    const lastFilters = alpha > 1 ? makeDivisible(LAST_FILTERS * alpha) : LAST_FILTERS;
    x = b.conv(x, 'Conv_1', lastFilters, 1);
    x = b.relu6(b.batchNorm(x, 'Conv_1_bn', BN), 'out_relu');
    return { output: x, name: `mobilenetv2_${alpha.toFixed(2)}_${input.shape[1]}` };
  });
}

/** Keras' `_inverted_res_block`. */
function invertedResidualBlock(
  b: GraphBuilder,
  input: tf.SymbolicTensor,
  id: number,
  filters: number,
  stride: 1 | 2,
  expansion: number,
): tf.SymbolicTensor {
  const inChannels = input.shape[3]!;
  const prefix = id === 0 ? 'expanded_conv_' : `block_${id}_`;
  let x = input;
  if (id > 0) {
    x = b.conv(x, `${prefix}expand`, expansion * inChannels, 1, { padding: 'same' });
    x = b.relu6(b.batchNorm(x, `${prefix}expand_BN`, BN), `${prefix}expand_relu`);
  }
  if (stride === 2) x = b.correctPad(x, `${prefix}pad`, 3);
  x = b.depthwise(x, `${prefix}depthwise`, 3, stride);
  x = b.relu6(b.batchNorm(x, `${prefix}depthwise_BN`, BN), `${prefix}depthwise_relu`);
  x = b.conv(x, `${prefix}project`, filters, 1, { padding: 'same' });
  x = b.batchNorm(x, `${prefix}project_BN`, BN);
  if (inChannels !== filters || stride !== 1) return x;
  return b.merge(tf.layers.add, `${prefix}add`, [input, x]);
}

/**
 * Keras' `_make_divisible(value, 8)`: the nearest multiple of 8, never 10 % below `value`.
 * EfficientNet's `round_filters` rounds the same way.
 */
export function makeDivisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}
