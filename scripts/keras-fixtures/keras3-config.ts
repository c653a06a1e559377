/**
 * Layer configs as Keras 3 (3.4) serialises them into an .h5 file's `model_config` (the
 * legacy format tensorflowjs_converter reads): `{"class_name", "config"}` entries whose
 * configs hold Keras 3 objects: dtype policies, `module`/`registered_name` keys, nested layers
 * with a `build_config`.
 */
import { pyFloat, type PyJson } from './python-json.js';
import type {
  Activation,
  KernelInitializer,
  LayerSpec,
  RecurrentSpec,
  Shape,
} from './layer-spec.js';

type Config = { [key: string]: PyJson };

/** Keras 3's serialised `float32` dtype policy. */
export function dtypePolicy(): Config {
  return {
    module: 'keras',
    class_name: 'DTypePolicy',
    config: { name: 'float32' },
    registered_name: null,
  };
}

function initializer(className: string, config: Config = {}): Config {
  return { module: 'keras.initializers', class_name: className, config, registered_name: null };
}

const GLOROT = (): Config => initializer('GlorotUniform', { seed: null });
const ZEROS = (): Config => initializer('Zeros');
const ONES = (): Config => initializer('Ones');
const ORTHOGONAL = (): Config =>
  initializer('OrthogonalInitializer', { gain: pyFloat(1), seed: null });

/** A convolution kernel's initializer; Glorot uniform by default, as Keras'. */
function kernelInitializer(spec: KernelInitializer = { kind: 'GlorotUniform' }): Config {
  if (spec.kind === 'GlorotUniform') return GLOROT();
  const { scale, mode, distribution } = spec;
  return initializer('VarianceScaling', { scale: pyFloat(scale), mode, distribution, seed: null });
}

/**
 * An activation as `activations.serialize` writes it: the function's `__name__`, which for
 * swish is `silu` (Keras 3 defines `silu` and exports it under both names).
 */
function activationName(activation: Activation): string {
  return activation === 'swish' ? 'silu' : activation;
}

/** `name, trainable, dtype`: what every Keras 3 layer config starts with. */
export function baseConfig(name: string): Config {
  return { name, trainable: true, dtype: dtypePolicy() };
}

/** Keras 3's InputLayer entry (its dtype stays a plain string). */
export function inputLayerConfig(name: string, batchShape: Shape): Config {
  return { batch_shape: batchShape, dtype: 'float32', sparse: false, name };
}

/** A layer nested in a wrapper: the full `serialize_keras_object` form, with its build shape. */
export function nestedLayer(className: string, config: Config, buildShape: Shape | null): Config {
  return {
    module: 'keras.layers',
    class_name: className,
    config,
    registered_name: null,
    ...(buildShape === null ? {} : { build_config: { input_shape: buildShape } }),
  };
}

const NULLS = (names: string[]): Config => Object.fromEntries(names.map((n) => [n, null]));

/** The layer-specific part of a (non-wrapper) layer's config. */
export function layerConfig(
  spec: Exclude<LayerSpec, { kind: 'TimeDistributed' | 'Bidirectional' }>,
): Config {
  switch (spec.kind) {
    case 'Conv2D':
    case 'Conv3D': {
      const conv2d = spec.kind === 'Conv2D' ? spec : undefined;
      const n = conv2d ? 2 : 3;
      return {
        filters: spec.filters,
        kernel_size: Array(n).fill(spec.kernel),
        strides: Array(n).fill(conv2d?.strides ?? 1),
        padding: conv2d?.padding ?? 'valid',
        data_format: 'channels_last',
        dilation_rate: Array(n).fill(1),
        groups: 1,
        activation: activationName(spec.activation),
        use_bias: conv2d?.useBias ?? true,
        kernel_initializer: kernelInitializer(conv2d?.kernelInitializer),
        bias_initializer: ZEROS(),
        ...NULLS(['kernel_regularizer', 'bias_regularizer', 'activity_regularizer']),
        ...NULLS(['kernel_constraint', 'bias_constraint']),
      };
    }
    case 'DepthwiseConv2D':
      return {
        depth_multiplier: 1,
        kernel_size: [spec.kernel, spec.kernel],
        strides: [spec.strides, spec.strides],
        padding: spec.padding,
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        activation: activationName(spec.activation),
        use_bias: spec.useBias,
        depthwise_initializer: kernelInitializer(spec.kernelInitializer),
        bias_initializer: ZEROS(),
        ...NULLS(['depthwise_regularizer', 'bias_regularizer', 'activity_regularizer']),
        ...NULLS(['depthwise_constraint', 'bias_constraint']),
      };
    case 'BatchNormalization':
      return {
        axis: spec.axis ?? -1,
        momentum: pyFloat(spec.momentum ?? 0.99),
        epsilon: pyFloat(spec.epsilon ?? 1e-3),
        center: true,
        scale: true,
        beta_initializer: ZEROS(),
        gamma_initializer: ONES(),
        moving_mean_initializer: ZEROS(),
        moving_variance_initializer: ONES(),
        ...NULLS(['beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint']),
        synchronized: false,
      };
    case 'ZeroPadding2D':
      return { padding: spec.padding, data_format: 'channels_last' };
    case 'ReLU':
      return {
        max_value: spec.maxValue === null ? null : pyFloat(spec.maxValue),
        negative_slope: pyFloat(0),
        threshold: pyFloat(0),
      };
    case 'Activation':
      return { activation: activationName(spec.activation) };
    case 'Reshape':
      return { target_shape: spec.targetShape };
    case 'Add':
    case 'Multiply':
      return {};
    case 'GlobalAveragePooling2D':
    case 'GlobalAveragePooling1D':
      return { data_format: 'channels_last', keepdims: false };
    case 'Flatten':
      return { data_format: 'channels_last' };
    case 'Rescaling':
      return { scale: pyFloat(spec.scale), offset: pyFloat(spec.offset) };
    case 'Normalization':
      // `mean` and `variance` are null where the statistics are weights (`adapt()`'s).
      return { axis: [spec.axis ?? -1], invert: false, mean: null, variance: null };
    case 'Dense':
      return {
        units: spec.units,
        activation: activationName(spec.activation),
        use_bias: true,
        kernel_initializer: GLOROT(),
        bias_initializer: ZEROS(),
        ...NULLS([
          'kernel_regularizer',
          'bias_regularizer',
          'kernel_constraint',
          'bias_constraint',
        ]),
      };
    case 'Dropout':
      return { rate: pyFloat(spec.rate), seed: null, noise_shape: null };
    case 'Attention':
      return { use_scale: false, score_mode: 'dot', dropout: pyFloat(0) };
    case 'Concatenate':
      return { axis: -1 };
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN':
      return recurrentConfig(spec);
    case 'ConvLSTM2D':
      throw new Error(`${spec.kind} is not written in Keras 3 form by these fixtures`);
  }
}

/**
 * The `kwargs` of a call node: the arguments Keras 3's `Layer.__call__` adds to the call it
 * records, `training` where `call()` has a default for it other than None, then `mask` (None
 * here, as no input carries a mask; one per tensor of a list input) where `call()` takes a
 * `mask` and the call has one tensor argument.
 * @param inputs - How many tensors the call takes, as one list argument when more than one.
 */
export function callKwargs(kind: LayerSpec['kind'], inputs: number): Config {
  const mask = inputs === 1 ? null : Array<null>(inputs).fill(null);
  switch (kind) {
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN':
    case 'Attention':
      return { training: false, mask };
    case 'Dropout':
      return { training: false };
    case 'BatchNormalization':
    case 'TimeDistributed':
    case 'Bidirectional':
    case 'GlobalAveragePooling1D':
      return { mask };
    default:
      return {};
  }
}

/** RNN flags, then the cell settings, as Keras 3's `get_config` orders them. */
export function recurrentConfig(spec: RecurrentSpec, goBackwards = false): Config {
  const gated = spec.kind !== 'SimpleRNN';
  return {
    return_sequences: spec.returnSequences,
    return_state: false,
    go_backwards: goBackwards,
    stateful: false,
    unroll: false,
    zero_output_for_mask: false,
    units: spec.units,
    activation: 'tanh',
    ...(gated ? { recurrent_activation: 'sigmoid' } : {}),
    use_bias: true,
    kernel_initializer: GLOROT(),
    recurrent_initializer: ORTHOGONAL(),
    bias_initializer: ZEROS(),
    ...(spec.kind === 'LSTM' ? { unit_forget_bias: true } : {}),
    ...NULLS(['kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer']),
    ...NULLS(['activity_regularizer', 'kernel_constraint', 'recurrent_constraint']),
    bias_constraint: null,
    dropout: pyFloat(0),
    recurrent_dropout: pyFloat(0),
    ...(spec.kind === 'GRU' ? { reset_after: spec.resetAfter ?? true } : {}),
    seed: null,
  };
}
