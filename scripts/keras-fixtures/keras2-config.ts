/**
 * Layer configs as Keras 2.15 (tf.keras) serialises them into an .h5 file's `model_config`,
 * which tensorflowjs_converter copies into model.json: legacy `{"class_name", "config"}`
 * entries; dtype as a plain string; initializers and layers nested in wrappers in the newer
 * `{"module", "class_name", "config", "registered_name"}` form.
 */
import { pyFloat, type PyJson } from './python-json.js';
import type { KernelInitializer, LayerSpec, RecurrentSpec, Shape } from './layer-spec.js';

type Config = { [key: string]: PyJson };

/** A Keras 2 initializer reference. */
export function initializer(className: string, config: Config = {}): Config {
  return { module: 'keras.initializers', class_name: className, config, registered_name: null };
}

const GLOROT = (): Config => initializer('GlorotUniform', { seed: null });
const ZEROS = (): Config => initializer('Zeros');
const ONES = (): Config => initializer('Ones');
const ORTHOGONAL = (): Config => initializer('Orthogonal', { gain: pyFloat(1), seed: null });

/** A convolution kernel's initializer; Glorot uniform by default, as Keras'. */
function kernelInitializer(spec: KernelInitializer = { kind: 'GlorotUniform' }): Config {
  if (spec.kind === 'GlorotUniform') return GLOROT();
  const { scale, mode, distribution } = spec;
  return initializer('VarianceScaling', { scale: pyFloat(scale), mode, distribution, seed: null });
}

/** `name, trainable, dtype[, batch_input_shape]`: what every Keras 2 layer config starts with. */
export function baseConfig(name: string, batchInputShape?: Shape): Config {
  return {
    name,
    trainable: true,
    dtype: 'float32',
    ...(batchInputShape === undefined ? {} : { batch_input_shape: batchInputShape }),
  };
}

/** The InputLayer entry Keras 2 writes first in a model's layer list. */
export function inputLayer(name: string, batchInputShape: Shape): Config {
  return {
    class_name: 'InputLayer',
    config: {
      batch_input_shape: batchInputShape,
      dtype: 'float32',
      sparse: false,
      ragged: false,
      name,
    },
  };
}

const REGULARIZED = (names: string[]): Config => Object.fromEntries(names.map((n) => [n, null]));

/** The layer-specific part of a (non-wrapper) layer's config. */
export function layerConfig(
  spec: Exclude<LayerSpec, { kind: 'TimeDistributed' }>,
  rank: number,
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
        activation: spec.activation,
        use_bias: conv2d?.useBias ?? true,
        kernel_initializer: kernelInitializer(conv2d?.kernelInitializer),
        bias_initializer: ZEROS(),
        ...REGULARIZED(['kernel_regularizer', 'bias_regularizer', 'activity_regularizer']),
        ...REGULARIZED(['kernel_constraint', 'bias_constraint']),
      };
    }
    case 'BatchNormalization':
      return {
        axis: [rank - 1],
        momentum: pyFloat(spec.momentum ?? 0.99),
        epsilon: pyFloat(spec.epsilon ?? 1e-3),
        center: true,
        scale: true,
        beta_initializer: ZEROS(),
        gamma_initializer: ONES(),
        moving_mean_initializer: ZEROS(),
        moving_variance_initializer: ONES(),
        ...REGULARIZED([
          'beta_regularizer',
          'gamma_regularizer',
          'beta_constraint',
          'gamma_constraint',
        ]),
      };
    case 'GlobalAveragePooling2D':
    case 'GlobalAveragePooling1D':
      return { data_format: 'channels_last', keepdims: false };
    case 'Flatten':
      return { data_format: 'channels_last' };
    case 'Rescaling':
      return { scale: pyFloat(spec.scale), offset: pyFloat(spec.offset) };
    case 'Normalization':
      return { axis: [spec.axis ?? -1], invert: false, mean: null, variance: null };
    case 'Dense':
      return {
        units: spec.units,
        activation: spec.activation,
        use_bias: true,
        kernel_initializer: GLOROT(),
        bias_initializer: ZEROS(),
        ...REGULARIZED(['kernel_regularizer', 'bias_regularizer', 'activity_regularizer']),
        ...REGULARIZED(['kernel_constraint', 'bias_constraint']),
      };
    case 'Dropout':
      return { rate: pyFloat(spec.rate), noise_shape: null, seed: null };
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN':
      return recurrentConfig(spec);
    case 'ConvLSTM2D':
      return {
        ...rnnFlags(false),
        filters: spec.filters,
        kernel_size: [spec.kernel, spec.kernel],
        strides: [1, 1],
        padding: 'valid',
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        activation: 'tanh',
        recurrent_activation: 'hard_sigmoid',
        use_bias: true,
        kernel_initializer: GLOROT(),
        recurrent_initializer: ORTHOGONAL(),
        bias_initializer: ZEROS(),
        unit_forget_bias: true,
        ...REGULARIZED(['kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer']),
        ...REGULARIZED(['activity_regularizer', 'kernel_constraint', 'recurrent_constraint']),
        bias_constraint: null,
        dropout: pyFloat(0),
        recurrent_dropout: pyFloat(0),
      };
    case 'Bidirectional':
    case 'Attention':
    case 'Concatenate':
    case 'DepthwiseConv2D':
    case 'ZeroPadding2D':
    case 'ReLU':
    case 'Activation':
    case 'Reshape':
    case 'Add':
    case 'Multiply':
      throw new Error(`${spec.kind} is not written in Keras 2 form by these fixtures`);
  }
}

function rnnFlags(returnSequences: boolean): Config {
  return {
    return_sequences: returnSequences,
    return_state: false,
    go_backwards: false,
    stateful: false,
    unroll: false,
    time_major: false,
  };
}

/** LSTM / GRU / SimpleRNN: RNN flags, then the cell settings, as `get_config` orders them. */
export function recurrentConfig(spec: RecurrentSpec): Config {
  const gated = spec.kind !== 'SimpleRNN';
  return {
    ...rnnFlags(spec.returnSequences),
    units: spec.units,
    activation: 'tanh',
    ...(gated ? { recurrent_activation: 'sigmoid' } : {}),
    use_bias: true,
    kernel_initializer: GLOROT(),
    recurrent_initializer: ORTHOGONAL(),
    bias_initializer: ZEROS(),
    ...(spec.kind === 'LSTM' ? { unit_forget_bias: true } : {}),
    ...REGULARIZED(['kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer']),
    ...REGULARIZED(['activity_regularizer', 'kernel_constraint', 'recurrent_constraint']),
    bias_constraint: null,
    dropout: pyFloat(0),
    recurrent_dropout: pyFloat(0),
    ...(gated ? { implementation: 2 } : {}),
    ...(spec.kind === 'GRU' ? { reset_after: spec.resetAfter ?? true } : {}),
  };
}
