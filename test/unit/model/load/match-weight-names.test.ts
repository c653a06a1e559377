import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../../src/errors.js';
import { matchWeightNames } from '../../../../src/model/load/match-weight-names.js';

describe('matchWeightNames', () => {
  it('matches the names TensorFlow.js itself saved as they are', () => {
    const names = ['dense/kernel', 'dense/bias'];
    expect([...matchWeightNames(names, names)]).toEqual([
      ['dense/kernel', 'dense/kernel'],
      ['dense/bias', 'dense/bias'],
    ]);
  });

  it("drops the recurrent cell and the Keras 3 wrapped layer from Keras' paths", () => {
    const matches = matchWeightNames(
      [
        'lstm/lstm_cell/kernel',
        'time_distributed/conv2d/kernel',
        'bidirectional/forward_gru/gru_cell/bias',
      ],
      ['time_distributed/kernel', 'lstm/kernel', 'bidirectional/forward_gru/bias'],
    );
    expect(matches.get('lstm/lstm_cell/kernel')).toBe('lstm/kernel');
    expect(matches.get('time_distributed/conv2d/kernel')).toBe('time_distributed/kernel');
    expect(matches.get('bidirectional/forward_gru/gru_cell/bias')).toBe(
      'bidirectional/forward_gru/bias',
    );
  });

  it("reads Keras 3's DepthwiseConv2D kernel as TensorFlow.js' depthwise_kernel", () => {
    const matches = matchWeightNames(
      ['Conv1/kernel', 'expanded_conv_depthwise/kernel', 'expanded_conv_depthwise/bias'],
      ['Conv1/kernel', 'expanded_conv_depthwise/depthwise_kernel', 'expanded_conv_depthwise/bias'],
    );
    expect(matches.get('expanded_conv_depthwise/kernel')).toBe(
      'expanded_conv_depthwise/depthwise_kernel',
    );
    expect(matches.get('Conv1/kernel')).toBe('Conv1/kernel');
  });

  it("drops a Keras 3 Sequential model's name and a wrapped sub-model's name", () => {
    const matches = matchWeightNames(
      ['sequential/lstm_1/lstm_cell/kernel', 'sequential/dense/bias', 'encoder/conv2d/kernel'],
      ['lstm_1/kernel', 'dense/bias', 'conv2d/kernel'],
    );
    expect([...matches.values()]).toEqual(['lstm_1/kernel', 'dense/bias', 'conv2d/kernel']);
  });

  it('lets a name that fits exactly keep its weight from a looser match', () => {
    const matches = matchWeightNames(
      ['scope/dense/kernel', 'dense/kernel'],
      ['dense/kernel', 'scope/kernel'],
    );
    expect(matches.get('dense/kernel')).toBe('dense/kernel');
    expect(matches.get('scope/dense/kernel')).toBe('scope/kernel');
  });

  it('refuses a weight of model.json that fits no weight of the model, naming both', () => {
    const match = () => matchWeightNames(['gru/gru_cell/kernel'], ['lstm/kernel']);
    expect(match).toThrow(ModelError);
    expect(match).toThrow(
      /weight gru\/gru_cell\/kernel of model.json matches no weight of the model; its weights are lstm\/kernel/,
    );
  });

  it('says to convert from .h5 when the weights come from a .keras archive', () => {
    expect(() => matchWeightNames(['layers/dense/vars/0'], ['dense/kernel'])).toThrow(
      /converted from a .keras archive .* save the model as .h5 and convert that/,
    );
  });

  it('refuses a model weight that model.json gives no value', () => {
    expect(() => matchWeightNames(['dense/kernel'], ['dense/kernel', 'dense/bias'])).toThrow(
      /model.json has no values for weight dense\/bias/,
    );
  });
});
