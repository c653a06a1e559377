/**
 * The layers the Keras fixtures are made of, independent of the Keras version: what each one
 * is, its output shape and the variables Keras creates for it (names relative to the layer,
 * shapes, in Keras' order: trainable ones first, as `layer.weights` lists them).
 */

/** A shape with its batch dimension; `null` where Keras writes `None`. */
export type Shape = (number | null)[];

/** Activations the fixtures use (`swish` is the function Keras 3 names `silu`). */
export type Activation = 'relu' | 'softmax' | 'tanh' | 'linear' | 'swish' | 'sigmoid';

/**
 * A convolution kernel's initializer, as the layer's config names it (the fixtures' values are
 * drawn by `seeded-values.ts` whatever it is): Keras' default Glorot uniform, or a variance
 * scaling one, as EfficientNet's `CONV_KERNEL_INITIALIZER`.
 */
export type KernelInitializer =
  | { kind: 'GlorotUniform' }
  | {
      kind: 'VarianceScaling';
      scale: number;
      mode: 'fan_in' | 'fan_out' | 'fan_avg';
      distribution: 'truncated_normal' | 'untruncated_normal' | 'uniform';
    };

/** How a convolution pads its input: Keras' `padding`. */
export type Padding = 'valid' | 'same';

/** A layer, without its name (the model builder names layers as Keras does). */
export type LayerSpec =
  | {
      kind: 'Conv2D';
      filters: number;
      kernel: number;
      strides: number;
      activation: Activation;
      /** @defaultValue `'valid'` */
      padding?: Padding;
      /** @defaultValue true */
      useBias?: boolean;
      /** @defaultValue `{ kind: 'GlorotUniform' }` */
      kernelInitializer?: KernelInitializer;
    }
  | { kind: 'Conv3D'; filters: number; kernel: number; activation: Activation }
  | {
      kind: 'DepthwiseConv2D';
      kernel: number;
      strides: number;
      padding: Padding;
      useBias: boolean;
      activation: Activation;
      /** @defaultValue `{ kind: 'GlorotUniform' }` */
      kernelInitializer?: KernelInitializer;
    }
  | {
      kind: 'BatchNormalization';
      /** The channel axis: -1, or its index (EfficientNet's `bn_axis` 3). @defaultValue -1 */
      axis?: number;
      /** @defaultValue 0.99 (Keras') */
      momentum?: number;
      /** @defaultValue 1e-3 (Keras') */
      epsilon?: number;
    }
  | { kind: 'ZeroPadding2D'; padding: [[number, number], [number, number]] }
  | { kind: 'ReLU'; maxValue: number | null }
  | { kind: 'Activation'; activation: Activation }
  | { kind: 'Reshape'; targetShape: number[] }
  | { kind: 'Add' }
  | { kind: 'Multiply' }
  | { kind: 'GlobalAveragePooling2D' }
  | { kind: 'GlobalAveragePooling1D' }
  | { kind: 'Flatten' }
  | { kind: 'Rescaling'; scale: number; offset: number }
  | {
      kind: 'Normalization';
      /** The axis kept: -1, or its index (EfficientNet's `bn_axis` 3). @defaultValue -1 */
      axis?: number;
      /**
       * Per-channel statistics held as the layer's `mean` and `variance` weights, as `adapt()`
       * leaves them; without them, seeded pixel-scale ones.
       */
      stats?: NormalizationStats;
    }
  | { kind: 'Dense'; units: number; activation: Activation }
  | { kind: 'Dropout'; rate: number }
  | RecurrentSpec
  | { kind: 'Bidirectional'; layer: RecurrentSpec }
  | { kind: 'ConvLSTM2D'; filters: number; kernel: number }
  | { kind: 'Attention' }
  | { kind: 'Concatenate' }
  | { kind: 'TimeDistributed'; layer: LayerSpec | EncoderSpec };

/** Statistics a Normalization layer holds, one per channel. */
export interface NormalizationStats {
  readonly mean: readonly number[];
  readonly variance: readonly number[];
}

/** A recurrent layer. */
export interface RecurrentSpec {
  readonly kind: 'LSTM' | 'GRU' | 'SimpleRNN';
  readonly units: number;
  readonly returnSequences: boolean;
  /** GRU only: Keras' default is true. */
  readonly resetAfter?: boolean;
}

/** A sub-model wrapped by TimeDistributed: its layers applied in a chain. */
export interface EncoderSpec {
  readonly kind: 'Sequential' | 'Functional';
  readonly layers: readonly LayerSpec[];
}

/** A variable of a layer. */
export interface VariableSpec {
  /** Path below the layer, e.g. `kernel` or `lstm_cell/kernel`. */
  readonly path: string;
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32';
  /** How to draw its values. */
  readonly init:
    | 'glorot'
    | 'depthwise'
    | 'bias'
    | 'gamma'
    | 'beta'
    | 'mean'
    | 'variance'
    | 'count'
    | 'pixelMean'
    | 'pixelVariance';
  /** Values the layer's spec gives, drawn from nothing. */
  readonly values?: readonly number[];
}

/** Keras' default layer name stem for a class (`to_snake_case`). */
export function snakeName(className: string): string {
  const special: Record<string, string> = {
    GlobalAveragePooling2D: 'global_average_pooling2d',
    GlobalAveragePooling1D: 'global_average_pooling1d',
    SimpleRNN: 'simple_rnn',
    LSTM: 'lstm',
    GRU: 'gru',
    Conv2D: 'conv2d',
    Conv3D: 'conv3d',
    DepthwiseConv2D: 'depthwise_conv2d',
    ZeroPadding2D: 'zero_padding2d',
    ConvLSTM2D: 'conv_lstm2d',
  };
  return special[className] ?? className.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The shape a layer gives for an input shape. */
export function outputShape(spec: LayerSpec, input: Shape): Shape {
  const last = input[input.length - 1] as number;
  switch (spec.kind) {
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      const [b, h, w] = input as [null, number, number];
      const side = (n: number) =>
        spec.padding === 'same'
          ? Math.ceil(n / spec.strides)
          : Math.floor((n - spec.kernel) / spec.strides) + 1;
      return [b, side(h), side(w), spec.kind === 'Conv2D' ? spec.filters : last];
    }
    case 'ZeroPadding2D': {
      const [b, h, w] = input as [null, number, number];
      const [[top, bottom], [left, right]] = spec.padding;
      return [b, h + top + bottom, w + left + right, last];
    }
    case 'Conv3D': {
      const [b, t, h, w] = input as [null, number, number, number];
      const side = (n: number) => n - spec.kernel + 1;
      return [b, side(t), side(h), side(w), spec.filters];
    }
    case 'ConvLSTM2D': {
      const [b, , h, w] = input as [null, number, number, number];
      return [b, h - spec.kernel + 1, w - spec.kernel + 1, spec.filters];
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalAveragePooling1D':
      return [input[0]!, last];
    case 'Reshape':
      return [input[0]!, ...spec.targetShape];
    case 'Flatten':
      return [input[0]!, (input.slice(1) as number[]).reduce((a, b) => a * b, 1)];
    case 'Dense':
      return [...input.slice(0, -1), spec.units];
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN':
      return spec.returnSequences ? [input[0]!, input[1]!, spec.units] : [input[0]!, spec.units];
    case 'Bidirectional':
      return outputShape({ ...spec.layer, units: 2 * spec.layer.units }, input);
    case 'TimeDistributed': {
      const inner = innerOutputShape(spec.layer, [input[0]!, ...input.slice(2)]);
      return [input[0]!, input[1]!, ...inner.slice(1)];
    }
    default:
      return input;
  }
}

/** True for a sub-model (rather than a single layer) wrapped by TimeDistributed. */
export function isEncoder(inner: LayerSpec | EncoderSpec): inner is EncoderSpec {
  return inner.kind === 'Sequential' || inner.kind === 'Functional';
}

/** Output shape of a TimeDistributed's inner layer or sub-model. */
export function innerOutputShape(inner: LayerSpec | EncoderSpec, input: Shape): Shape {
  if (isEncoder(inner)) {
    return inner.layers.reduce<Shape>((shape, layer) => outputShape(layer, shape), input);
  }
  return outputShape(inner, input);
}

/** The variables Keras creates for a (non-wrapper) layer with this input shape. */
export function variables(spec: LayerSpec, input: Shape): VariableSpec[] {
  const last = input[input.length - 1] as number;
  const f = (path: string, shape: number[], init: VariableSpec['init']): VariableSpec => ({
    path,
    shape,
    dtype: 'float32',
    init,
  });
  switch (spec.kind) {
    case 'Conv2D':
      return [
        f('kernel', [spec.kernel, spec.kernel, last, spec.filters], 'glorot'),
        ...(spec.useBias === false ? [] : [f('bias', [spec.filters], 'bias')]),
      ];
    case 'DepthwiseConv2D':
      // Keras 3 names the depthwise kernel `kernel` (Keras 2: `depthwise_kernel`); the
      // fixtures write DepthwiseConv2D in Keras 3 form only.
      return [
        f('kernel', [spec.kernel, spec.kernel, last, 1], 'depthwise'),
        ...(spec.useBias ? [f('bias', [last], 'bias')] : []),
      ];
    case 'Conv3D': {
      const k = spec.kernel;
      return [
        f('kernel', [k, k, k, last, spec.filters], 'glorot'),
        f('bias', [spec.filters], 'bias'),
      ];
    }
    case 'BatchNormalization':
      return [
        f('gamma', [last], 'gamma'),
        f('beta', [last], 'beta'),
        f('moving_mean', [last], 'mean'),
        f('moving_variance', [last], 'variance'),
      ];
    case 'Normalization': {
      const given = (values: readonly number[] | undefined) => {
        if (values === undefined) return {};
        if (values.length !== last) {
          throw new Error(`Normalization stats must have ${last} values, got ${values.length}`);
        }
        return { values };
      };
      return [
        { ...f('mean', [last], 'pixelMean'), ...given(spec.stats?.mean) },
        { ...f('variance', [last], 'pixelVariance'), ...given(spec.stats?.variance) },
        { path: 'count', shape: [], dtype: 'int32', init: 'count' },
      ];
    }
    case 'Dense':
      return [f('kernel', [last, spec.units], 'glorot'), f('bias', [spec.units], 'bias')];
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN': {
      const gates = { LSTM: 4, GRU: 3, SimpleRNN: 1 }[spec.kind];
      const cell = `${snakeName(spec.kind)}_cell`;
      const width = gates * spec.units;
      const biasShape = spec.kind === 'GRU' && spec.resetAfter === true ? [2, width] : [width];
      return [
        f(`${cell}/kernel`, [last, width], 'glorot'),
        f(`${cell}/recurrent_kernel`, [spec.units, width], 'glorot'),
        f(`${cell}/bias`, biasShape, 'bias'),
      ];
    }
    case 'ConvLSTM2D': {
      const k = spec.kernel;
      return [
        f('conv_lstm_cell/kernel', [k, k, last, 4 * spec.filters], 'glorot'),
        f('conv_lstm_cell/recurrent_kernel', [k, k, spec.filters, 4 * spec.filters], 'glorot'),
        f('conv_lstm_cell/bias', [4 * spec.filters], 'bias'),
      ];
    }
    default:
      return [];
  }
}

/** Keras' order of a layer's weights: trainable ones, then the others. */
export function kerasOrder(vars: VariableSpec[]): VariableSpec[] {
  const frozen = (v: VariableSpec) =>
    ['mean', 'variance', 'count', 'pixelMean', 'pixelVariance'].includes(v.init);
  return [...vars.filter((v) => !frozen(v)), ...vars.filter(frozen)];
}
