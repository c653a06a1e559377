import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FRAMEWISE_JSON } from '../../src/model/load/framewise-config.js';
import { KerasNormalization } from '../../src/model/load/keras-normalization.js';
import { saveModelToDirectory } from '../../src/model/load/model-files.js';
import { SeededRandom } from '../../src/train/seeded-random.js';

/**
 * A Keras application's `preprocess_input` as framewise.json's `input` gives it: a preset
 * (`tf`: x / 127.5 − 1; `caffe`: BGR minus the ImageNet means) or a plain scale and offset.
 */
export type BackbonePreprocessing =
  { readonly preset: 'tf' | 'caffe' } | { readonly scale: number; readonly offset: number };

/** One of the four backbones. */
export type BackboneName = 'mobilenetv2' | 'resnet50' | 'efficientnetb0' | 'inceptionv3';

/** Each backbone's preprocessing; EfficientNet's is inside the model: raw 0–255 pixels go in. */
export const BACKBONE_PREPROCESSING: Readonly<Record<BackboneName, BackbonePreprocessing>> = {
  mobilenetv2: { preset: 'tf' },
  resnet50: { preset: 'caffe' },
  efficientnetb0: { scale: 1, offset: 0 },
  inceptionv3: { preset: 'tf' },
};

/** Shape of the video classifier around a backbone. */
export interface BackboneClassifierOptions {
  /**
   * Frames per clip (the input's time dimension).
   * @defaultValue 4
   */
  timeSteps?: number;
  /**
   * Frame height in pixels.
   * @defaultValue 64 (96 for InceptionV3, whose stem needs at least 75)
   */
  height?: number;
  /**
   * Frame width in pixels.
   * @defaultValue `height`
   */
  width?: number;
  /**
   * Units of the LSTM head.
   * @defaultValue 8
   */
  lstmUnits?: number;
  /**
   * Output classes.
   * @defaultValue 2
   */
  classes?: number;
  /**
   * Seed of every weight and BatchNorm statistic: the same seed builds the same model on the
   * same backend. The BatchNorm statistics are measured and the LSTM's orthogonal kernel comes
   * out of a QR decomposition, both on the backend: cpu and wasm differ in their last bits.
   * @defaultValue 1
   */
  seed?: number;
}

/** {@link buildMobileNetV2Classifier}'s options. */
export interface MobileNetV2Options extends BackboneClassifierOptions {
  /**
   * Keras' width multiplier `alpha`.
   * @defaultValue 0.35
   */
  alpha?: number;
}

/** Options of the backbones Keras has no width multiplier for. */
export interface ScaledBackboneOptions extends BackboneClassifierOptions {
  /**
   * Multiplier of every convolution's filter count (Keras' network has 1).
   * @defaultValue 0.25
   */
  filterScale?: number;
}

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

/** ImageNet's RGB channel means and standard deviations, pixels scaled to [0, 1]. */
const IMAGENET_MEAN_RGB = [0.485, 0.456, 0.406];
const IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225];
/** ImageNet's BGR channel means of 0–255 pixels, which `caffe` preprocessing subtracts. */
const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68];
/** BatchNorm epsilon of Keras' ResNets (1e-3, Keras' default, elsewhere). */
const RESNET_EPSILON = 1.001e-5;
/** Clips whose frames set the BatchNorm statistics. */
const CALIBRATION_CLIPS = 1;

/**
 * MobileNetV2 as `keras/src/applications/mobilenet_v2.py` builds it with `include_top=False,
 * pooling="avg"`, in `TimeDistributed`, then `LSTM` and `Dense(softmax)`. Kept: the stem
 * (`Conv1`, `bn_Conv1`, `Conv1_relu`), inverted-residual blocks 0–4 (`expanded_conv_*`, then
 * `block_1_*` and `block_3_*` with stride 2 behind the `ZeroPadding2D` of `correct_pad`,
 * `block_2_add` and `block_4_add` residual), `Conv_1`/`Conv_1_bn`/`out_relu` with Keras' 1280
 * filters, and the pooling. Left out: blocks 5–16. Scaled down by `alpha` alone, as Keras
 * does. Preprocessing `tf`.
 */
export function buildMobileNetV2Classifier(options: MobileNetV2Options = {}): tf.Sequential {
  const alpha = options.alpha ?? 0.35;
  return classifier(options, 64, 'mobilenetv2', (input, b) => {
    let x = b.conv(input, 'Conv1', makeDivisible(32 * alpha), 3, { strides: 2, padding: 'same' });
    x = b.relu6(b.batchNorm(x, 'bn_Conv1', { momentum: 0.999 }), 'Conv1_relu');
    const blocks: [filters: number, stride: 1 | 2, expansion: number][] = [
      [16, 1, 1],
      [24, 2, 6],
      [24, 1, 6],
      [32, 2, 6],
      [32, 1, 6],
    ];
    blocks.forEach(([filters, stride, expansion], id) => {
      x = invertedResidualBlock(b, x, id, makeDivisible(filters * alpha), stride, expansion);
    });
    x = b.conv(x, 'Conv_1', alpha > 1 ? makeDivisible(1280 * alpha) : 1280, 1);
    x = b.relu6(b.batchNorm(x, 'Conv_1_bn', { momentum: 0.999 }), 'out_relu');
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
  const bn = { momentum: 0.999 };
  let x = input;
  if (id > 0) {
    x = b.conv(x, `${prefix}expand`, expansion * inChannels, 1, { padding: 'same' });
    x = b.relu6(b.batchNorm(x, `${prefix}expand_BN`, bn), `${prefix}expand_relu`);
  }
  if (stride === 2) x = b.correctPad(x, `${prefix}pad`, 3);
  x = b.depthwise(x, `${prefix}depthwise`, 3, stride);
  x = b.relu6(b.batchNorm(x, `${prefix}depthwise_BN`, bn), `${prefix}depthwise_relu`);
  x = b.conv(x, `${prefix}project`, filters, 1, { padding: 'same' });
  x = b.batchNorm(x, `${prefix}project_BN`, bn);
  if (inChannels !== filters || stride !== 1) return x;
  return b.merge(tf.layers.add, `${prefix}add`, [input, x]);
}

/** Keras' `_make_divisible(value, 8)`: the nearest multiple of 8, never 10 % below `value`. */
function makeDivisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}

/**
 * ResNet50 as `keras/src/applications/resnet.py` builds it (`ResNet`, `residual_block_v1`) with
 * `include_top=False, pooling="avg"`, in `TimeDistributed`, then `LSTM` and `Dense(softmax)`.
 * Kept: the stem (`conv1_pad`, `conv1_conv` 7×7 stride 2 `valid`, `conv1_bn`, `conv1_relu`,
 * `pool1_pad`, `pool1_pool`), the three `conv2` blocks (`conv2_block1` with a convolution
 * shortcut, `conv2_block2`/`3` with identity ones, each ending in `_add` and `_out`),
 * `conv3_block1` (stride 2 on its `_0_conv` and `_1_conv`) and `avg_pool`. Convolutions have
 * biases, as in Keras' ResNet50 (`use_bias=True`); BatchNorm epsilon 1.001e-5. Left out:
 * `conv3_block2` to `conv5`. Scaled down: filters × `filterScale`. Preprocessing `caffe`.
 */
export function buildResNet50Classifier(options: ScaledBackboneOptions = {}): tf.Sequential {
  const scale = options.filterScale ?? 0.25;
  const filters = (n: number) => Math.max(1, Math.round(n * scale));
  return classifier(options, 64, 'resnet50', (input, b) => {
    let x = b.pad(input, 'conv1_pad', 3, 3);
    x = b.conv(x, 'conv1_conv', filters(64), 7, { strides: 2, bias: true });
    x = b.batchNorm(x, 'conv1_bn', { epsilon: RESNET_EPSILON });
    x = b.activation(x, 'conv1_relu', 'relu');
    x = b.pad(x, 'pool1_pad', 1, 1);
    x = b.layer(x, tf.layers.maxPooling2d, { poolSize: 3, strides: 2, name: 'pool1_pool' });
    for (let block = 1; block <= 3; block++) {
      x = residualBlock(b, x, filters(64), block === 1 ? 1 : null, `conv2_block${block}`);
    }
    x = residualBlock(b, x, filters(128), 2, 'conv3_block1');
    return { output: x, name: 'resnet50', poolingName: 'avg_pool' };
  });
}

/** Keras' `residual_block_v1`; `shortcutStride` null for an identity shortcut. */
function residualBlock(
  b: GraphBuilder,
  input: tf.SymbolicTensor,
  filters: number,
  shortcutStride: 1 | 2 | null,
  name: string,
): tf.SymbolicTensor {
  const strides = shortcutStride ?? 1;
  const bn = { epsilon: RESNET_EPSILON };
  let shortcut = input;
  if (shortcutStride !== null) {
    shortcut = b.conv(input, `${name}_0_conv`, 4 * filters, 1, { strides, bias: true });
    shortcut = b.batchNorm(shortcut, `${name}_0_bn`, bn);
  }
  let x = b.conv(input, `${name}_1_conv`, filters, 1, { strides, bias: true });
  x = b.activation(b.batchNorm(x, `${name}_1_bn`, bn), `${name}_1_relu`, 'relu');
  x = b.conv(x, `${name}_2_conv`, filters, 3, { padding: 'same', bias: true });
  x = b.activation(b.batchNorm(x, `${name}_2_bn`, bn), `${name}_2_relu`, 'relu');
  x = b.conv(x, `${name}_3_conv`, 4 * filters, 1, { bias: true });
  x = b.batchNorm(x, `${name}_3_bn`, bn);
  x = b.merge(tf.layers.add, `${name}_add`, [shortcut, x]);
  return b.activation(x, `${name}_out`, 'relu');
}

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
 * `widthCoefficient`. The model preprocesses itself: framewise.json gives scale 1, offset 0.
 */
export function buildEfficientNetB0Classifier(options: EfficientNetB0Options = {}): tf.Sequential {
  const width = options.widthCoefficient ?? 0.5;
  const dropConnectRate = options.dropConnectRate ?? 0;
  const filters = (n: number) => makeDivisible(n * width);
  return classifier(options, 64, 'efficientnetb0', (input, b) => {
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
    // Keras raises the drop rate block after block over B0's 16 blocks.
    blocks.forEach((block, i) => (x = mbConvBlock(b, x, block, (dropConnectRate * i) / 16)));
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

/**
 * InceptionV3 as `keras/src/applications/inception_v3.py` builds it with `include_top=False,
 * pooling="avg"`, in `TimeDistributed`, then `LSTM` and `Dense(softmax)`. Kept: the stem (five
 * `conv2d_bn`: Conv2D without bias, BatchNorm with `scale=False`, ReLU; `valid` where Keras
 * has it; two 3×3 stride-2 max poolings), `mixed0` (1×1, 5×5, double 3×3 and average-pool
 * branches, `Concatenate`d) and `avg_pool`. Keras names these layers itself: the names are
 * those of a fresh Keras session (`conv2d`, `batch_normalization_3`, `activation_7`,
 * `max_pooling2d_1`, `average_pooling2d`). Left out: `mixed1` to `mixed10`. Scaled down:
 * filters × `filterScale`. Preprocessing `tf`.
 */
export function buildInceptionV3Classifier(options: ScaledBackboneOptions = {}): tf.Sequential {
  const scale = options.filterScale ?? 0.25;
  return classifier(options, 96, 'inceptionv3', (input, b) => {
    const names = new KerasNames();
    const convBn = (
      x: tf.SymbolicTensor,
      filters: number,
      kernelSize: number,
      padding: 'same' | 'valid' = 'same',
      strides = 1,
    ) => {
      const scaled = Math.max(1, Math.round(filters * scale));
      x = b.conv(x, names.next('conv2d'), scaled, kernelSize, { strides, padding });
      x = b.batchNorm(x, names.next('batch_normalization'), { scale: false });
      return b.activation(x, names.next('activation'), 'relu');
    };
    const maxPool = (x: tf.SymbolicTensor) =>
      b.layer(x, tf.layers.maxPooling2d, {
        poolSize: 3,
        strides: 2,
        name: names.next('max_pooling2d'),
      });
    let x = convBn(input, 32, 3, 'valid', 2);
    x = maxPool(convBn(convBn(x, 32, 3, 'valid'), 64, 3));
    x = maxPool(convBn(convBn(x, 80, 1, 'valid'), 192, 3, 'valid'));
    const branch1x1 = convBn(x, 64, 1);
    const branch5x5 = convBn(convBn(x, 48, 1), 64, 5);
    const branch3x3dbl = convBn(convBn(convBn(x, 64, 1), 96, 3), 96, 3);
    const pooled = b.layer(x, tf.layers.averagePooling2d, {
      poolSize: 3,
      strides: 1,
      padding: 'same',
      name: names.next('average_pooling2d'),
    });
    const branchPool = convBn(pooled, 32, 1);
    const branches = [branch1x1, branch5x5, branch3x3dbl, branchPool];
    const mixed0 = b.merge(
      (args) => tf.layers.concatenate({ ...args, axis: 3 }),
      'mixed0',
      branches,
    );
    return { output: mixed0, name: 'inception_v3', poolingName: 'avg_pool' };
  });
}

/** Keras' automatic layer names in a fresh session: `conv2d`, `conv2d_1`, `conv2d_2`, … */
class KerasNames {
  private readonly used = new Map<string, number>();

  next(base: string): string {
    const count = this.used.get(base) ?? 0;
    this.used.set(base, count + 1);
    return count === 0 ? base : `${base}_${count}`;
  }
}

/** A backbone's layers after its input, and the name Keras gives the whole. */
interface BackboneBody {
  output: tf.SymbolicTensor;
  name: string;
  /** Name of the final average pooling; Keras leaves MobileNetV2's unnamed. */
  poolingName?: string;
}

/**
 * Wraps a backbone into `TimeDistributed(backbone) → LSTM → Dense(softmax)`, after setting its
 * BatchNorm layers ({@link calibrateBatchNorm}).
 */
function classifier(
  options: BackboneClassifierOptions,
  defaultSize: number,
  backboneName: BackboneName,
  body: (input: tf.SymbolicTensor, builder: GraphBuilder) => BackboneBody,
): tf.Sequential {
  const { timeSteps = 4, height = defaultSize, lstmUnits = 8, classes = 2, seed = 1 } = options;
  const { width = height } = options;
  const builder = new GraphBuilder(seed, backboneName === 'efficientnetb0' ? 'fanOut' : 'glorot');
  const input = tf.input({ shape: [height, width, 3], name: 'input_layer' });
  const { output, name, poolingName = 'global_average_pooling2d' } = body(input, builder);
  const pooled = builder.layer(output, tf.layers.globalAveragePooling2d, { name: poolingName });
  const backbone = tf.model({ inputs: input, outputs: pooled, name });
  calibrateBatchNorm(backbone, BACKBONE_PREPROCESSING[backboneName], timeSteps, seed);
  const inputShape = [timeSteps, height, width, 3];
  const model = tf.sequential({ name: 'sequential' });
  model.add(tf.layers.timeDistributed({ layer: backbone, inputShape, name: 'time_distributed' }));
  model.add(
    tf.layers.lstm({
      units: lstmUnits,
      kernelInitializer: builder.glorot(),
      recurrentInitializer: tf.initializers.orthogonal({ seed: builder.nextSeed(), gain: 1 }),
      biasInitializer: builder.bias(),
      name: 'lstm',
    }),
  );
  model.add(
    tf.layers.dense({
      units: classes,
      activation: 'softmax',
      kernelInitializer: builder.glorot(),
      biasInitializer: builder.bias(),
      name: 'dense',
    }),
  );
  return model;
}

/** A weight initialiser (TF.js does not export its type). */
type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** How {@link GraphBuilder.conv} differs from a Keras Conv2D's defaults, and its bias. */
interface ConvOptions {
  strides?: number;
  padding?: 'same' | 'valid';
  /** With a (seeded, non-zero) bias; Keras' backbones mostly have none before a BatchNorm. */
  bias?: boolean;
  activation?: 'swish' | 'sigmoid';
}

/** Applies Keras layers one line each, every weight from its own seed drawn from one seed. */
class GraphBuilder {
  private seed: number;

  /** `kernels`: Keras' default Glorot, or EfficientNet's `CONV_KERNEL_INITIALIZER`. */
  constructor(
    seed: number,
    private readonly kernels: 'glorot' | 'fanOut',
  ) {
    this.seed = seed * 10_000;
  }

  nextSeed(): number {
    return this.seed++;
  }

  glorot(): Initializer {
    return tf.initializers.glorotUniform({ seed: this.nextSeed() });
  }

  /** Small non-zero biases (Keras starts from zeros), so that a bias lost on the way shows. */
  bias(): Initializer {
    return tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: this.nextSeed() });
  }

  layer<A>(x: tf.SymbolicTensor, create: (args: A) => tf.layers.Layer, args: A): tf.SymbolicTensor {
    return create(args).apply(x) as tf.SymbolicTensor;
  }

  merge(
    create: (args: { name: string }) => tf.layers.Layer,
    name: string,
    inputs: tf.SymbolicTensor[],
  ): tf.SymbolicTensor {
    return create({ name }).apply(inputs) as tf.SymbolicTensor;
  }

  conv(
    x: tf.SymbolicTensor,
    name: string,
    filters: number,
    kernelSize: number,
    { strides = 1, padding = 'valid', bias = false, activation }: ConvOptions = {},
  ): tf.SymbolicTensor {
    return this.layer(x, tf.layers.conv2d, {
      filters,
      kernelSize,
      strides,
      padding,
      activation,
      useBias: bias,
      kernelInitializer: this.kernel(),
      biasInitializer: bias ? this.bias() : undefined,
      name,
    });
  }

  /** A bias-free DepthwiseConv2D, `same` at stride 1 and `valid` (after a pad) at stride 2. */
  depthwise(x: tf.SymbolicTensor, name: string, kernelSize: number, strides: 1 | 2) {
    const padding: 'same' | 'valid' = strides === 1 ? 'same' : 'valid';
    const depthwiseInitializer = this.kernel();
    const args = { kernelSize, strides, padding, useBias: false, depthwiseInitializer, name };
    return this.layer(x, tf.layers.depthwiseConv2d, args);
  }

  batchNorm(
    x: tf.SymbolicTensor,
    name: string,
    { epsilon = 1e-3, momentum = 0.99, scale = true } = {},
  ): tf.SymbolicTensor {
    return this.layer(x, tf.layers.batchNormalization, {
      axis: -1,
      epsilon,
      momentum,
      scale,
      name,
    });
  }

  activation(x: tf.SymbolicTensor, name: string, activation: 'relu' | 'swish') {
    return this.layer(x, tf.layers.activation, { activation, name });
  }

  relu6(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
    return this.layer(x, tf.layers.reLU, { maxValue: 6, name });
  }

  pad(x: tf.SymbolicTensor, name: string, rows: number, cols: number): tf.SymbolicTensor {
    const padding: [[number, number], [number, number]] = [
      [rows, rows],
      [cols, cols],
    ];
    return this.layer(x, tf.layers.zeroPadding2d, { padding, name });
  }

  /** Keras' `imagenet_utils.correct_pad`: "same" padding for a strided `valid` convolution. */
  correctPad(x: tf.SymbolicTensor, name: string, kernelSize: number): tf.SymbolicTensor {
    const half = Math.floor(kernelSize / 2);
    const [, rows, cols] = x.shape as number[];
    const padding: [[number, number], [number, number]] = [
      [half - 1 + (rows! % 2), half],
      [half - 1 + (cols! % 2), half],
    ];
    return this.layer(x, tf.layers.zeroPadding2d, { padding, name });
  }

  private kernel(): Initializer {
    if (this.kernels === 'glorot') return this.glorot();
    const seed = this.nextSeed();
    const distribution = 'truncatedNormal';
    return tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution, seed });
  }
}

/**
 * Gives every BatchNormalization layer of `backbone` its input's statistics on seeded clips
 * (each layer sees those before it already set), perturbed by seeded gamma, beta, mean shift
 * and variance factor. Random weights grow or shrink activations layer after layer; a
 * BatchNorm that does not roughly normalise lets them vanish or saturate the head.
 */
function calibrateBatchNorm(
  backbone: tf.LayersModel,
  preprocessing: BackbonePreprocessing,
  timeSteps: number,
  seed: number,
): void {
  const [, height, width] = backbone.inputs[0]!.shape as number[];
  const frames = tf.tidy(() => {
    const shape = { timeSteps, height: height!, width: width! };
    const clips = randomClips(CALIBRATION_CLIPS, shape, seed);
    return preprocessInput(clips, preprocessing).reshape([-1, height!, width!, 3]);
  });
  const random = new SeededRandom(seed);
  // The backbone's layers are in topological order: each one's inputs are already computed.
  const values = new Map<number, tf.Tensor>([[backbone.inputs[0]!.id, frames]]);
  for (const layer of backbone.layers.slice(1)) {
    const inputs = [layer.input].flat().map((symbolic) => values.get(symbolic.id)!);
    if (layer.getClassName() === 'BatchNormalization') setBatchNorm(layer, inputs[0]!, random);
    // tidy: TF.js' ReLU with a maxValue leaves its unclipped intermediate behind otherwise.
    const output = tf.tidy(
      () =>
        layer.apply(inputs.length === 1 ? inputs[0]! : inputs, { training: false }) as tf.Tensor,
    );
    values.set((layer.output as tf.SymbolicTensor).id, output);
  }
  tf.dispose([...values.values()]);
}

function setBatchNorm(layer: tf.layers.Layer, input: tf.Tensor, random: SeededRandom): void {
  const axes = input.shape.slice(0, -1).map((_, axis) => axis);
  const moments = tf.moments(input, axes);
  const means = moments.mean.dataSync();
  const variances = moments.variance.dataSync();
  tf.dispose([moments.mean, moments.variance]);
  const perChannel = (value: (c: number) => number) =>
    tf.tensor1d(Array.from(means, (_, c) => value(c)));
  const std = (c: number) => Math.sqrt(variances[c]!);
  const stats = new Map([
    ['gamma', perChannel(() => random.between(0.5, 1.5))],
    ['beta', perChannel(() => random.between(-0.25, 0.25))],
    ['moving_mean', perChannel((c) => means[c]! + random.between(-0.25, 0.25) * std(c))],
    [
      'moving_variance',
      perChannel((c) => Math.max(variances[c]!, 1e-3) * random.between(0.6, 1.6)),
    ],
  ]);
  // InceptionV3's BatchNorms (scale=False) have no gamma.
  layer.setWeights(layer.weights.map((w) => stats.get(w.originalName.split('/').pop()!)!));
  tf.dispose([...stats.values()]);
}

/**
 * `clips` seeded clips of raw RGB pixels, `[clips, timeSteps, height, width, 3]` floats holding
 * integers 0–255: smooth colour fields with grain, a new one each frame, so that clips differ
 * in what a global average pooling keeps (uniform noise would not).
 */
export function randomClips(
  clips: number,
  shape: { timeSteps: number; height: number; width: number },
  seed: number,
): tf.Tensor5D {
  const { timeSteps, height, width } = shape;
  return tf.tidy(() => {
    const frames = clips * timeSteps;
    const coarse = tf.randomUniform([frames, 3, 3, 3], 0, 255, 'float32', seed) as tf.Tensor4D;
    const fields = tf.image.resizeBilinear(coarse, [height, width], true);
    const grain = tf.randomUniform([frames, height, width, 3], -24, 24, 'float32', seed + 1);
    const pixels = fields.add(grain).clipByValue(0, 255).round();
    return pixels.reshape([clips, timeSteps, height, width, 3]) as tf.Tensor5D;
  });
}

/** Raw 0–255 RGB pixels as a backbone's model takes them, after its `preprocess_input`. */
export function preprocessInput(
  pixels: tf.Tensor,
  preprocessing: BackbonePreprocessing,
): tf.Tensor {
  return tf.tidy(() => {
    if (!('preset' in preprocessing)) {
      return pixels.mul(preprocessing.scale).add(preprocessing.offset);
    }
    if (preprocessing.preset === 'tf') return pixels.div(127.5).sub(1);
    return tf.reverse(pixels, -1).sub(tf.tensor1d(CAFFE_MEAN_BGR));
  });
}

/** The four backbones' classifier builders. */
export const BACKBONES = {
  mobilenetv2: buildMobileNetV2Classifier,
  resnet50: buildResNet50Classifier,
  efficientnetb0: buildEfficientNetB0Classifier,
  inceptionv3: buildInceptionV3Classifier,
} as const satisfies Record<BackboneName, unknown>;

/**
 * Builds a backbone's classifier, saves it to a fresh temporary directory as a framewise model
 * (model.json, weights, and a framewise.json with class names and the backbone's
 * preprocessing) and returns the directory and the in-memory model.
 */
export async function saveBackboneModel<N extends BackboneName>(
  backbone: N,
  options: Parameters<(typeof BACKBONES)[N]>[0] = {},
): Promise<{ dir: string; model: tf.Sequential }> {
  const model = (BACKBONES[backbone] as (options: BackboneClassifierOptions) => tf.Sequential)(
    options,
  );
  const classNames = Array.from({ length: model.outputs[0]!.shape[1]! }, (_, i) => `class_${i}`);
  const input = BACKBONE_PREPROCESSING[backbone];
  const dir = await mkdtemp(join(tmpdir(), `framewise-${backbone}-`));
  await saveModelToDirectory(model, dir);
  await writeFile(join(dir, FRAMEWISE_JSON), JSON.stringify({ classNames, input }));
  return { dir, model };
}
