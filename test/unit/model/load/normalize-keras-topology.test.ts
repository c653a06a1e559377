import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../../../src/errors.js';
import { useBackend } from '../../../../src/model/run/backend.js';
import { GLOBAL_AVERAGE_KEEPDIMS_CLASS } from '../../../../src/model/load/global-pooling-keepdims.js';
import { normalizeKerasTopology } from '../../../../src/model/load/normalize-keras-topology.js';
import { RESET_AFTER_GRU_CLASS } from '../../../../src/model/load/reset-after-gru.js';
import { buildSeedModel } from '../../../../src/train/seed-model.js';

const POLICY = {
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name: 'float32' },
  registered_name: null,
};
const ZEROS = {
  module: 'keras.initializers',
  class_name: 'Zeros',
  config: {},
  registered_name: null,
};

function kerasTensor(layer: string, shape: (number | null)[]) {
  return {
    class_name: '__keras_tensor__',
    config: { shape, dtype: 'float32', keras_history: [layer, 0, 0] },
  };
}

/** A Keras 3.4 Functional model as tensorflowjs_converter writes its model_config (from an .h5 file). */
function keras3Dense() {
  return {
    class_name: 'Functional',
    config: {
      name: 'functional',
      trainable: true,
      layers: [
        {
          class_name: 'InputLayer',
          config: { batch_shape: [null, 3], dtype: 'float32', sparse: false, name: 'input_layer' },
          name: 'input_layer',
          inbound_nodes: [],
        },
        {
          class_name: 'Dense',
          config: {
            name: 'dense',
            trainable: true,
            dtype: POLICY,
            units: 2,
            activation: 'softmax',
            use_bias: true,
            kernel_initializer: ZEROS,
            bias_initializer: ZEROS,
            kernel_regularizer: null,
            bias_regularizer: null,
            kernel_constraint: null,
            bias_constraint: null,
          },
          name: 'dense',
          inbound_nodes: [{ args: [kerasTensor('input_layer', [null, 3])], kwargs: {} }],
        },
      ],
      input_layers: [['input_layer', 0, 0]],
      output_layers: [['dense', 0, 0]],
    },
  };
}

function lstm(name: string, goBackwards: boolean, units = 4) {
  return {
    module: 'keras.layers',
    class_name: 'LSTM',
    config: { name, trainable: true, dtype: POLICY, go_backwards: goBackwards, units },
    registered_name: null,
    build_config: { input_shape: [null, 4, 6] },
  };
}

describe('normalizeKerasTopology', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('leaves a topology saved by TensorFlow.js as it is', () => {
    const model = buildSeedModel({ height: 16, width: 16, recurrent: 'gru' });
    const topology = model.toJSON(null, false);
    expect(normalizeKerasTopology(topology)).toEqual(topology);
    model.dispose();
  });

  it('only drops the module keys Keras 2.13+ writes on nested objects of a Keras 2 topology', () => {
    const path = new URL('../../../fixtures/keras/seed-lstm-keras2/model.json', import.meta.url);
    const topology = JSON.parse(readFileSync(path, 'utf8')).modelTopology;
    const withoutModules = JSON.parse(JSON.stringify(topology), (key, value) =>
      key === 'module' || key === 'registered_name' ? undefined : value,
    );
    expect(normalizeKerasTopology(topology)).toEqual(withoutModules);
  });

  it('turns Keras 3 JSON into the Keras 2 form TensorFlow.js deserialises', async () => {
    const normalized = normalizeKerasTopology(keras3Dense()) as ReturnType<typeof keras3Dense>;
    const [input, dense] = normalized.config.layers;
    expect(input!.config).toEqual({
      batch_input_shape: [null, 3],
      dtype: 'float32',
      sparse: false,
      name: 'input_layer',
    });
    expect(dense!.config.dtype).toBe('float32');
    expect(dense!.config.kernel_initializer).toEqual({ class_name: 'Zeros', config: {} });
    expect(dense!.inbound_nodes).toEqual([[['input_layer', 0, 0, {}]]]);
    const model = await tf.models.modelFromJSON({ modelTopology: normalized } as never);
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
    model.dispose();
  });

  it('does not modify its input', () => {
    const topology = keras3Dense();
    const copy = structuredClone(topology);
    normalizeKerasTopology(topology);
    expect(topology).toEqual(copy);
  });

  it('gives several tensors of a list argument as several inbound tensors', () => {
    const node = {
      args: [[kerasTensor('lstm', [null, 8]), kerasTensor('input_layer_1', [null, 2])]],
      kwargs: {},
    };
    const layer = {
      class_name: 'Concatenate',
      config: { name: 'concatenate', axis: -1 },
      inbound_nodes: [node],
    };
    expect(normalizeKerasTopology(layer)).toMatchObject({
      inbound_nodes: [
        [
          ['lstm', 0, 0, {}],
          ['input_layer_1', 0, 0, {}],
        ],
      ],
    });
  });

  it('refuses a layer that takes a tensor by keyword', () => {
    const node = {
      args: [kerasTensor('a', [null, 8])],
      kwargs: { initial_state: [kerasTensor('b', [null, 8])] },
    };
    const layer = { class_name: 'LSTM', config: { name: 'lstm' }, inbound_nodes: [node] };
    expect(() => normalizeKerasTopology(layer)).toThrow(ModelError);
    expect(() => normalizeKerasTopology(layer)).toThrow(
      /output of b as its initial_state argument/,
    );
  });

  it('wraps a single model input or output written without its list', () => {
    const config = {
      name: 'f',
      layers: [],
      input_layers: ['input_layer', 0, 0],
      output_layers: ['dense', 0, 0],
    };
    expect(normalizeKerasTopology({ class_name: 'Functional', config })).toMatchObject({
      config: { input_layers: [['input_layer', 0, 0]], output_layers: [['dense', 0, 0]] },
    });
  });

  it('runs a mixed-precision model in float32, the dtype of its saved weights', () => {
    const policy = { class_name: 'DTypePolicy', config: { name: 'mixed_float16' } };
    expect(
      normalizeKerasTopology({ class_name: 'Dense', config: { name: 'd', dtype: policy } }),
    ).toEqual({
      class_name: 'Dense',
      config: { name: 'd', dtype: 'float32' },
    });
  });

  it("renames GRU layers with reset_after: true to framewise's class, whatever the Keras version", () => {
    const gru = (resetAfter: boolean) => ({
      class_name: 'GRU',
      config: { name: 'gru', reset_after: resetAfter },
    });
    expect(normalizeKerasTopology(gru(true))).toMatchObject({ class_name: RESET_AFTER_GRU_CLASS });
    expect(normalizeKerasTopology(gru(false))).toMatchObject({ class_name: 'GRU' });
  });

  it('reads what Keras 3 writes of the backbones: silu as swish, keepdims pooling as its own class', () => {
    expect(
      normalizeKerasTopology({
        class_name: 'Activation',
        config: { name: 'a', activation: 'silu' },
      }),
    ).toEqual({ class_name: 'Activation', config: { name: 'a', activation: 'swish' } });
    const pooling = (keepdims: boolean) => ({
      class_name: 'GlobalAveragePooling2D',
      config: { name: 'se_squeeze', keepdims, data_format: 'channels_last' },
    });
    expect(normalizeKerasTopology(pooling(true))).toMatchObject({
      class_name: GLOBAL_AVERAGE_KEEPDIMS_CLASS,
    });
    expect(normalizeKerasTopology(pooling(false))).toMatchObject({
      class_name: 'GlobalAveragePooling2D',
    });
  });

  it('refuses a ReLU with a negative slope or a threshold, which TensorFlow.js would ignore', () => {
    const relu = (more: object) => ({
      class_name: 'ReLU',
      config: { name: 'leaky', max_value: 6, negative_slope: 0, threshold: 0, ...more },
    });
    expect(() => normalizeKerasTopology(relu({}))).not.toThrow();
    expect(() => normalizeKerasTopology(relu({ negative_slope: 0.1 }))).toThrow(
      /ReLU layer leaky has negative_slope 0.1, which TensorFlow.js does not implement/,
    );
    expect(() => normalizeKerasTopology(relu({ threshold: 1 }))).toThrow(/has threshold 1/);
  });

  it("keeps one layer of a Keras 3 Bidirectional, named as TensorFlow.js's forward copy expects", () => {
    const config = {
      name: 'bidirectional',
      trainable: true,
      dtype: POLICY,
      merge_mode: 'concat',
      layer: lstm('forward_lstm', false),
      backward_layer: lstm('backward_lstm', true),
    };
    expect(normalizeKerasTopology({ class_name: 'Bidirectional', config })).toEqual({
      class_name: 'Bidirectional',
      config: {
        name: 'bidirectional',
        trainable: true,
        dtype: 'float32',
        merge_mode: 'concat',
        layer: {
          class_name: 'LSTM',
          config: {
            name: 'lstm',
            trainable: true,
            dtype: 'float32',
            go_backwards: false,
            units: 4,
          },
        },
      },
    });
  });

  it('refuses a Bidirectional whose backward layer is not its forward layer reversed', () => {
    const config = {
      name: 'bidirectional',
      merge_mode: 'concat',
      layer: lstm('forward_lstm', false),
      backward_layer: lstm('backward_lstm', true, 8),
    };
    expect(() => normalizeKerasTopology({ class_name: 'Bidirectional', config })).toThrow(
      /Bidirectional layer bidirectional has a backward layer unlike its forward one/,
    );
  });
});
