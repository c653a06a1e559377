/**
 * The first blocks of Keras' MobileNetV2 (`keras/src/applications/mobilenet_v2.py`, Keras 3.4)
 * as a Functional model of its own, with Keras' layer names: the stem (`Conv1`, `bn_Conv1`,
 * `Conv1_relu`), the inverted residual blocks 0-2 (block 1 of stride 2 after its `block_1_pad`,
 * block 2 with its residual `block_2_add`), the last 1×1 convolution (`Conv_1`, `Conv_1_bn`,
 * `out_relu`) and `include_top=False, pooling="avg"`'s global average pooling.
 */
import type { LayerSpec, Padding, Shape } from './layer-spec.js';
import {
  FunctionalBuilder,
  type CallOptions,
  type SubModel,
  type TensorRef,
} from './model-builder.js';
import type { Namer } from './namer.js';

/** One inverted residual block: `_inverted_res_block`'s arguments. */
interface Block {
  readonly filters: number;
  readonly stride: number;
  readonly expansion: number;
}

/** MobileNetV2's blocks 0-2, as `MobileNetV2()` calls them. */
const FIRST_BLOCKS: readonly Block[] = [
  { filters: 16, stride: 1, expansion: 1 },
  { filters: 24, stride: 2, expansion: 6 },
  { filters: 24, stride: 1, expansion: 6 },
];
/** The last convolution's width, which `alpha` below 1 leaves alone. */
const LAST_BLOCK_FILTERS = 1280;

/** BatchNormalization as MobileNetV2 configures every one of them. */
const BN: LayerSpec = { kind: 'BatchNormalization', momentum: 0.999, epsilon: 1e-3 };
/** `ReLU(6.0)`. */
const RELU6: LayerSpec = { kind: 'ReLU', maxValue: 6 };

/**
 * The backbone, on `[None, rows, rows, 3]` frames, named as `MobileNetV2()` names its model
 * (`mobilenetv2_0.35_64`).
 * @param alpha - The width multiplier.
 */
export function mobileNetV2Backbone(
  namer: Namer,
  rows: number,
  alpha: number,
  options: CallOptions,
): SubModel {
  const b = new FunctionalBuilder(namer, options);
  let x = b.input([null, rows, rows, 3]);
  const stem = makeDivisible(32 * alpha);
  x = b.call(conv(stem, 3, 2, 'same'), [x], 'Conv1');
  x = b.call(BN, [x], 'bn_Conv1');
  x = b.call(RELU6, [x], 'Conv1_relu');
  for (const [id, block] of FIRST_BLOCKS.entries()) {
    x = invertedResidualBlock(b, x, block, alpha, id);
  }
  x = b.call(conv(LAST_BLOCK_FILTERS, 1, 1, 'valid'), [x], 'Conv_1');
  x = b.call(BN, [x], 'Conv_1_bn');
  x = b.call(RELU6, [x], 'out_relu');
  x = b.call({ kind: 'GlobalAveragePooling2D' }, [x]);
  return b.subModel(x, `mobilenetv2_${alpha.toFixed(2)}_${rows}`);
}

/** `_inverted_res_block`: expand (not in block 0), depthwise, project, and the residual. */
function invertedResidualBlock(
  b: FunctionalBuilder,
  input: TensorRef,
  block: Block,
  alpha: number,
  id: number,
): TensorRef {
  const inChannels = input.shape[3] as number;
  const pointwise = makeDivisible(Math.trunc(block.filters * alpha));
  const prefix = id === 0 ? 'expanded_conv_' : `block_${id}_`;
  let x = input;
  if (id !== 0) {
    x = b.call(conv(block.expansion * inChannels, 1, 1, 'same'), [x], `${prefix}expand`);
    x = b.call(BN, [x], `${prefix}expand_BN`);
    x = b.call(RELU6, [x], `${prefix}expand_relu`);
  }
  if (block.stride === 2) {
    const padding = correctPad(x.shape, 3);
    x = b.call({ kind: 'ZeroPadding2D', padding }, [x], `${prefix}pad`);
  }
  const depthwise: LayerSpec = {
    kind: 'DepthwiseConv2D',
    kernel: 3,
    strides: block.stride,
    padding: block.stride === 1 ? 'same' : 'valid',
    useBias: false,
    activation: 'linear',
  };
  x = b.call(depthwise, [x], `${prefix}depthwise`);
  x = b.call(BN, [x], `${prefix}depthwise_BN`);
  x = b.call(RELU6, [x], `${prefix}depthwise_relu`);
  x = b.call(conv(pointwise, 1, 1, 'same'), [x], `${prefix}project`);
  x = b.call(BN, [x], `${prefix}project_BN`);
  if (inChannels === pointwise && block.stride === 1) {
    return b.call({ kind: 'Add' }, [input, x], `${prefix}add`);
  }
  return x;
}

/** MobileNetV2's convolutions: no bias, no activation (BatchNormalization and ReLU follow). */
function conv(filters: number, kernel: number, strides: number, padding: Padding): LayerSpec {
  return {
    kind: 'Conv2D',
    filters,
    kernel,
    strides,
    padding,
    useBias: false,
    activation: 'linear',
  };
}

/**
 * `_make_divisible(v, 8)`: the nearest multiple of 8, at least 8 and at least 90% of `v`
 * (EfficientNet's `round_filters` rounds the same way).
 */
export function makeDivisible(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

/**
 * `imagenet_utils.correct_pad`: the zero padding before a stride-2 `valid` convolution that
 * makes it cover the input as a `same` one would (one more row and column after the input
 * than before it when its size is even).
 */
export function correctPad(shape: Shape, kernel: number): [[number, number], [number, number]] {
  const half = Math.floor(kernel / 2);
  const side = (size: number | null): [number, number] => {
    const adjust = size === null ? 1 : 1 - (size % 2);
    return [half - adjust, half];
  };
  return [side(shape[1] ?? null), side(shape[2] ?? null)];
}
