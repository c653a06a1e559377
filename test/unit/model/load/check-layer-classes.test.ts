import { describe, expect, it } from 'vitest';
import { checkLayerClasses } from '../../../../src/model/load/check-layer-classes.js';

function sequential(...layers: { class_name: string; config: Record<string, unknown> }[]) {
  return { class_name: 'Sequential', config: { name: 'sequential', layers } };
}

describe('checkLayerClasses', () => {
  it('accepts the layers framewise runs, initializers aside', () => {
    const topology = sequential(
      {
        class_name: 'TimeDistributed',
        config: { name: 'td', layer: { class_name: 'Conv2D', config: { name: 'conv2d' } } },
      },
      {
        class_name: 'ResetAfterGRU',
        config: {
          name: 'gru',
          kernel_initializer: { class_name: 'OrthogonalInitializer', config: {} },
        },
      },
      { class_name: 'Dense', config: { name: 'dense' } },
    );
    expect(() => checkLayerClasses(topology)).not.toThrow();
  });

  it.each([
    [
      'MultiHeadAttention',
      /layer mha \(MultiHeadAttention\) attends across time steps; framewise supports/,
    ],
    ['Attention', /layer mha \(Attention\) attends across time steps/],
    ['ConvLSTM2D', /layer mha \(ConvLSTM2D\) is a convolutional recurrent layer/],
    ['Conv1DTranspose', /layer mha \(Conv1DTranspose\) is not a layer TensorFlow.js implements/],
  ])('refuses %s, naming the layer and what framewise supports', (className, message) => {
    const topology = sequential({
      class_name: 'TimeDistributed',
      config: { name: 'td', layer: { class_name: className, config: { name: 'mha' } } },
    });
    expect(() => checkLayerClasses(topology)).toThrow(message);
  });

  it('refuses an activation TensorFlow.js lacks, naming the layer; takes those it has', () => {
    const topology = (activation: string) =>
      sequential({ class_name: 'Activation', config: { name: 'act', activation } });
    for (const known of ['relu', 'relu6', 'swish', 'hard_sigmoid', 'gelu', 'linear']) {
      expect(() => checkLayerClasses(topology(known))).not.toThrow();
    }
    expect(() => checkLayerClasses(topology('hard_silu'))).toThrow(
      /layer act \(Activation\) uses the activation hard_silu, which TensorFlow.js does not implement/,
    );
  });
});
