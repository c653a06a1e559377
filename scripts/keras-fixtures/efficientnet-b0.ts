/**
 * The first blocks of Keras' EfficientNetB0 (`keras/src/applications/efficientnet.py`, Keras
 * 3.4) as a Functional model of its own, with Keras' layer names, as `EfficientNet()` builds it
 * with `include_top=False, pooling="avg"`: the stem (`rescaling` 1/255, `normalization`,
 * `stem_conv_pad`, `stem_conv`, `stem_bn`, `stem_activation`), the MBConv blocks `block1a` (no
 * expansion), `block2a` (stride 2 after its `block2a_dwconv_pad`) and `block2b` (with its
 * residual `block2b_add`), each with its squeeze-and-excitation, then `top_conv`, `top_bn`,
 * `top_activation` and the `avg_pool`. Left out: blocks 3a to 7a, and `block2b_drop`, the
 * drop-connect Dropout before `block2b_add` (nothing at inference).
 */
import type {
  Activation,
  KernelInitializer,
  LayerSpec,
  NormalizationStats,
  Padding,
} from './layer-spec.js';
import { correctPad, makeDivisible } from './mobilenet-v2.js';
import {
  FunctionalBuilder,
  type CallOptions,
  type SubModel,
  type TensorRef,
} from './model-builder.js';
import type { Namer } from './namer.js';

type Conv2D = Extract<LayerSpec, { kind: 'Conv2D' }>;

/** One MBConv block: `block`'s arguments, its filters before `round_filters`. */
interface Block {
  /** The prefix of its layers' names. */
  readonly name: string;
  readonly filtersIn: number;
  readonly filtersOut: number;
  readonly expandRatio: number;
  readonly strides: 1 | 2;
}

/** B0's blocks 1a, 2a and 2b, as `EfficientNet()` calls `block` from `DEFAULT_BLOCKS_ARGS`. */
const FIRST_BLOCKS: readonly Block[] = [
  { name: 'block1a_', filtersIn: 32, filtersOut: 16, expandRatio: 1, strides: 1 },
  { name: 'block2a_', filtersIn: 16, filtersOut: 24, expandRatio: 6, strides: 2 },
  { name: 'block2b_', filtersIn: 24, filtersOut: 24, expandRatio: 6, strides: 1 },
];
/** The stem's and `top_conv`'s widths, before `round_filters`. */
const STEM_FILTERS = 32;
const TOP_FILTERS = 1280;
/** The kernel size and squeeze-and-excitation ratio of every block of B0's first stages. */
const KERNEL = 3;
const SE_RATIO = 0.25;

/** `CONV_KERNEL_INITIALIZER`, every convolution's, depthwise ones included. */
const CONV_KERNEL_INITIALIZER: KernelInitializer = {
  kind: 'VarianceScaling',
  scale: 2,
  mode: 'fan_out',
  distribution: 'truncated_normal',
};
/** `BatchNormalization(axis=bn_axis)`: Keras' default momentum (0.99) and epsilon (1e-3). */
const BN: LayerSpec = { kind: 'BatchNormalization', axis: 3 };
/** `Activation("swish")`. */
const SWISH: LayerSpec = { kind: 'Activation', activation: 'swish' };
/**
 * ImageNet's RGB means and variances (standard deviations squared), pixels scaled to [0, 1]:
 * what `adapt()` on ImageNet would leave in the `normalization` layer. (Keras' ImageNet weights
 * hold the deviations instead, and add a per-channel `rescaling_1` to make up for it.)
 */
const IMAGENET_STATS: NormalizationStats = {
  mean: [0.485, 0.456, 0.406],
  variance: [0.229, 0.224, 0.225].map((std) => std * std),
};

/**
 * The backbone, on `[None, rows, rows, 3]` frames of raw 0-255 pixels, named as
 * `EfficientNetB0()` names its model (`efficientnetb0`).
 * @param widthCoefficient - `width_coefficient` (B0's is 1.0).
 */
export function efficientNetB0Backbone(
  namer: Namer,
  rows: number,
  widthCoefficient: number,
  options: CallOptions,
): SubModel {
  const roundFilters = (filters: number) => makeDivisible(filters * widthCoefficient);
  const b = new FunctionalBuilder(namer, options);
  let x = b.input([null, rows, rows, 3]);
  x = b.call({ kind: 'Rescaling', scale: 1 / 255, offset: 0 }, [x]);
  x = b.call({ kind: 'Normalization', axis: 3, stats: IMAGENET_STATS }, [x]);
  x = b.call({ kind: 'ZeroPadding2D', padding: correctPad(x.shape, KERNEL) }, [x], 'stem_conv_pad');
  x = b.call(conv(roundFilters(STEM_FILTERS), KERNEL, 2, 'valid'), [x], 'stem_conv');
  x = b.call(BN, [x], 'stem_bn');
  x = b.call(SWISH, [x], 'stem_activation');
  for (const block of FIRST_BLOCKS) {
    const filtersIn = roundFilters(block.filtersIn);
    const filtersOut = roundFilters(block.filtersOut);
    x = mbConvBlock(b, x, { ...block, filtersIn, filtersOut });
  }
  x = b.call(conv(roundFilters(TOP_FILTERS), 1, 1, 'same'), [x], 'top_conv');
  x = b.call(BN, [x], 'top_bn');
  x = b.call(SWISH, [x], 'top_activation');
  x = b.call({ kind: 'GlobalAveragePooling2D' }, [x], 'avg_pool');
  return b.subModel(x, 'efficientnetb0');
}

/**
 * `block`: expand (unless `expandRatio` is 1), depthwise, squeeze-and-excite, project, and the
 * residual where the shape allows it.
 */
function mbConvBlock(b: FunctionalBuilder, input: TensorRef, block: Block): TensorRef {
  const { name, filtersIn, filtersOut, expandRatio, strides } = block;
  let x = input;
  if (expandRatio !== 1) {
    x = b.call(conv(filtersIn * expandRatio, 1, 1, 'same'), [x], `${name}expand_conv`);
    x = b.call(BN, [x], `${name}expand_bn`);
    x = b.call(SWISH, [x], `${name}expand_activation`);
  }
  if (strides === 2) {
    const padding = correctPad(x.shape, KERNEL);
    x = b.call({ kind: 'ZeroPadding2D', padding }, [x], `${name}dwconv_pad`);
  }
  const depthwise: LayerSpec = {
    kind: 'DepthwiseConv2D',
    kernel: KERNEL,
    strides,
    padding: strides === 2 ? 'valid' : 'same',
    useBias: false,
    activation: 'linear',
    kernelInitializer: CONV_KERNEL_INITIALIZER,
  };
  x = b.call(depthwise, [x], `${name}dwconv`);
  x = b.call(BN, [x], `${name}bn`);
  x = b.call(SWISH, [x], `${name}activation`);
  x = squeezeExcite(b, x, name, Math.max(1, Math.trunc(filtersIn * SE_RATIO)));
  x = b.call(conv(filtersOut, 1, 1, 'same'), [x], `${name}project_conv`);
  x = b.call(BN, [x], `${name}project_bn`);
  if (strides === 1 && filtersIn === filtersOut) {
    return b.call({ kind: 'Add' }, [x, input], `${name}add`);
  }
  return x;
}

/** The squeeze-and-excitation phase: per-channel weights from the pooled map, multiplied in. */
function squeezeExcite(
  b: FunctionalBuilder,
  input: TensorRef,
  name: string,
  filtersSe: number,
): TensorRef {
  const filters = input.shape[3] as number;
  let se = b.call({ kind: 'GlobalAveragePooling2D' }, [input], `${name}se_squeeze`);
  se = b.call({ kind: 'Reshape', targetShape: [1, 1, filters] }, [se], `${name}se_reshape`);
  se = b.call(seConv(filtersSe, 'swish'), [se], `${name}se_reduce`);
  se = b.call(seConv(filters, 'sigmoid'), [se], `${name}se_expand`);
  return b.call({ kind: 'Multiply' }, [input, se], `${name}se_excite`);
}

/** EfficientNet's convolutions: no bias, no activation (BatchNormalization follows). */
function conv(filters: number, kernel: number, strides: number, padding: Padding): Conv2D {
  return {
    kind: 'Conv2D',
    filters,
    kernel,
    strides,
    padding,
    useBias: false,
    activation: 'linear',
    kernelInitializer: CONV_KERNEL_INITIALIZER,
  };
}

/** A squeeze-and-excitation 1×1 convolution: with its bias and activation. */
function seConv(filters: number, activation: Activation): Conv2D {
  return { ...conv(filters, 1, 1, 'same'), useBias: true, activation };
}
