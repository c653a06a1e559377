import * as tf from '@tensorflow/tfjs';
import { KerasNormalization } from '../../../src/model/load/keras-normalization.js';
import {
  backboneClassifier,
  type BackboneClassifierOptions,
  type BackboneSpec,
} from './backbone-classifier.js';
import type { GraphBuilder } from './graph-builder.js';
import { makeDivisible } from './mobilenet-v2.js';
import type { BackbonePreprocessing } from './preprocess-input.js';

/** {@link buildEfficientNetB0Classifier}'s options. */
export interface EfficientNetB0Options extends BackboneClassifierOptions {
  /**
   * Keras' `width_coefficient` (B0's is 1); filters rounded to multiples of 8 as Keras does.
   * @defaultValue 0.5
   */
  widthCoefficient?: number;
  /**
   * Keras' `drop_connect_rate` (its default is 0.2): above 0, `block2b` gets the Dropout
   * `block2b_drop` (noise shape `[null, 1, 1, 1]`) before its `Add`, as in Keras' B0.
   * @defaultValue 0
   */
  dropConnectRate?: number;
  /**
   * The stem as Keras builds it with `weights="imagenet"`: the Normalization holds the
   * ImageNet standard deviations where the variances belong, and a per-channel `Rescaling`
   * (`rescaling_1`, a list of scales) divides by their square roots. Otherwise the
   * Normalization holds the variances and there is no second Rescaling.
   * @defaultValue false
   */
  imagenetStem?: boolean;
}

/**
 * Keras' `efficientnet.preprocess_input` passes pixels through: the model preprocesses itself,
 * so raw 0–255 pixels go in.
 */
export const EFFICIENTNET_B0_PREPROCESSING: BackbonePreprocessing = { scale: 1, offset: 0 };

/** ImageNet's RGB channel means and standard deviations, pixels scaled to [0, 1]. */
const IMAGENET_MEAN_RGB = [0.485, 0.456, 0.406];
const IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225];
/** MBConv blocks of Keras' B0, over which the drop-connect rate rises block after block. */
const B0_BLOCKS = 16;
const SPEC: BackboneSpec = {
  defaultSize: 64,
  preprocessing: EFFICIENTNET_B0_PREPROCESSING,
  kernels: 'fanOut',
};

/**
 * EfficientNetB0 as `keras/src/applications/efficientnet.py` builds it with
 * `include_top=False, pooling="avg"`, in `TimeDistributed`, then `LSTM` and `Dense(softmax)`.
 * Kept: the stem (`rescaling` 1/255; `normalization`, framewise's {@link KerasNormalization}
 * holding ImageNet's statistics as the `mean`/`variance`/`count` weights Keras saves;
 * `stem_conv_pad`, `stem_conv` stride 2 `valid`, `stem_bn`, `stem_activation` swish), blocks
 * `block1a` (no expansion), `block2a` (stride 2 behind `block2a_dwconv_pad`) and `block2b`
 * (residual `block2b_add`), each with its squeeze-and-excite (`se_squeeze` pooling,
 * `se_reshape`, `se_reduce`, `se_expand`, `se_excite` Multiply), `top_conv`/`top_bn`/
 * `top_activation` and `avg_pool`, with Keras' `CONV_KERNEL_INITIALIZER`. Left out: blocks 3a
 * to 7a; the per-channel `rescaling_1` and `block2b_drop` unless asked for. Scaled down by
 * `widthCoefficient`.
 */
export function buildEfficientNetB0Classifier(options: EfficientNetB0Options = {}): tf.Sequential {
  const width = options.widthCoefficient ?? 0.5;
  const dropConnectRate = options.dropConnectRate ?? 0;
  const filters = (n: number) => makeDivisible(n * width);
  return backboneClassifier(options, SPEC, (input, b) => {
    let x = b.layer(input, tf.layers.rescaling, { scale: 1 / 255, name: 'rescaling' });
    x = efficientNetNormalization(b, x, options.imagenetStem ?? false);
    x = b.correctPad(x, 'stem_conv_pad', 3);
    x = b.conv(x, 'stem_conv', filters(32), 3, { strides: 2 });
    x = b.activation(b.batchNorm(x, 'stem_bn'), 'stem_activation', 'swish');
    const blocks: MbConvBlock[] = [
      { name: 'block1a_', filtersIn: filters(32), filtersOut: filters(16), expand: 1, stride: 1 },
      { name: 'block2a_', filtersIn: filters(16), filtersOut: filters(24), expand: 6, stride: 2 },
      { name: 'block2b_', filtersIn: filters(24), filtersOut: filters(24), expand: 6, stride: 1 },
    ];
    blocks.forEach((block, i) => (x = mbConvBlock(b, x, block, (dropConnectRate * i) / B0_BLOCKS)));
    x = b.conv(x, 'top_conv', filters(1280), 1, { padding: 'same' });
    x = b.activation(b.batchNorm(x, 'top_bn'), 'top_activation', 'swish');
    return { output: x, name: 'efficientnetb0', poolingName: 'avg_pool' };
  });
}

function efficientNetNormalization(
  b: GraphBuilder,
  input: tf.SymbolicTensor,
  imagenetStem: boolean,
): tf.SymbolicTensor {
  const normalization = new KerasNormalization({ axis: [-1], name: 'normalization' });
  const x = normalization.apply(input) as tf.SymbolicTensor;
  // Keras' ImageNet weights hold the deviations as variances; rescaling_1 makes up for it.
  const variance = IMAGENET_STDDEV_RGB.map((s) => (imagenetStem ? s : s * s));
  const stats = [tf.tensor1d(IMAGENET_MEAN_RGB), tf.tensor1d(variance), tf.scalar(1, 'int32')];
  normalization.setWeights(stats);
  tf.dispose(stats);
  if (!imagenetStem) return x;
  // TF.js types `scale` as a number, but its call broadcasts a list along the channels.
  const scale = IMAGENET_STDDEV_RGB.map((s) => 1 / Math.sqrt(s)) as unknown as number;
  return b.layer(x, tf.layers.rescaling, { scale, name: 'rescaling_1' });
}

interface MbConvBlock {
  name: string;
  filtersIn: number;
  filtersOut: number;
  expand: number;
  stride: 1 | 2;
}

/** Keras' EfficientNet `block` with kernel 3 and squeeze-and-excite ratio 0.25. */
function mbConvBlock(
  b: GraphBuilder,
  input: tf.SymbolicTensor,
  { name, filtersIn, filtersOut, expand, stride }: MbConvBlock,
  dropRate: number,
): tf.SymbolicTensor {
  let x = input;
  if (expand !== 1) {
    x = b.conv(x, `${name}expand_conv`, filtersIn * expand, 1, { padding: 'same' });
    x = b.activation(b.batchNorm(x, `${name}expand_bn`), `${name}expand_activation`, 'swish');
  }
  if (stride === 2) x = b.correctPad(x, `${name}dwconv_pad`, 3);
  x = b.depthwise(x, `${name}dwconv`, 3, stride);
  x = b.activation(b.batchNorm(x, `${name}bn`), `${name}activation`, 'swish');
  x = squeezeExcite(b, x, name, Math.max(1, Math.floor(filtersIn * 0.25)));
  x = b.conv(x, `${name}project_conv`, filtersOut, 1, { padding: 'same' });
  x = b.batchNorm(x, `${name}project_bn`);
  if (stride !== 1 || filtersIn !== filtersOut) return x;
  if (dropRate > 0) {
    // Keras' noise shape (None, 1, 1, 1): one draw per frame; TF.js types it number[].
    const noiseShape = [null, 1, 1, 1] as unknown as number[];
    x = b.layer(x, tf.layers.dropout, { rate: dropRate, noiseShape, name: `${name}drop` });
  }
  return b.merge(tf.layers.add, `${name}add`, [x, input]);
}

function squeezeExcite(
  b: GraphBuilder,
  input: tf.SymbolicTensor,
  name: string,
  reduced: number,
): tf.SymbolicTensor {
  const filters = input.shape[3]!;
  let se = b.layer(input, tf.layers.globalAveragePooling2d, { name: `${name}se_squeeze` });
  se = b.layer(se, tf.layers.reshape, { targetShape: [1, 1, filters], name: `${name}se_reshape` });
  const conv = { padding: 'same', bias: true } as const;
  se = b.conv(se, `${name}se_reduce`, reduced, 1, { ...conv, activation: 'swish' });
  se = b.conv(se, `${name}se_expand`, filters, 1, { ...conv, activation: 'sigmoid' });
  return b.merge(tf.layers.multiply, `${name}se_excite`, [input, se]);
}
