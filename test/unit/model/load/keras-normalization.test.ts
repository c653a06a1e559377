import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../../src/model/run/backend.js';
import { KerasNormalization } from '../../../../src/model/load/keras-normalization.js';

function run(layer: KerasNormalization, x: number[][], weights?: tf.Tensor[]): number[][] {
  return tf.tidy(() => {
    const input = tf.tensor2d(x);
    layer.apply(input);
    if (weights !== undefined) layer.setWeights(weights);
    return (layer.apply(input) as tf.Tensor).arraySync() as number[][];
  });
}

describe('KerasNormalization', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  // Expected values: (x - mean) / sqrt(variance), worked out by hand.
  it('standardises each channel with the adapted mean and variance weights', () => {
    const layer = new KerasNormalization({ axis: [-1] });
    const out = run(
      layer,
      [
        [10, 0],
        [4, 8],
      ],
      [tf.tensor1d([4, 2]), tf.tensor1d([9, 16]), tf.scalar(7, 'int32')],
    );
    expect(out[0]![0]).toBeCloseTo(2, 6);
    expect(out[0]![1]).toBeCloseTo(-0.5, 6);
    expect(out[1]![0]).toBeCloseTo(0, 6);
    expect(out[1]![1]).toBeCloseTo(1.5, 6);
  });

  it('takes a mean and variance given in its config, and inverts', () => {
    expect(run(new KerasNormalization({ axis: null, mean: 1, variance: 4 }), [[5, -1]])).toEqual([
      [2, -1],
    ]);
    expect(
      run(new KerasNormalization({ axis: null, mean: 1, variance: 4, invert: true }), [[2, -1]]),
    ).toEqual([[5, -1]]);
  });

  it("divides by Keras' epsilon where the variance is zero", () => {
    expect(run(new KerasNormalization({ mean: [0], variance: [0] }), [[1e-7]])[0]![0]).toBeCloseTo(
      1,
      5,
    );
  });

  it('refuses an axis other than the last one, by index or as -1', () => {
    const frames = tf.zeros([1, 2, 2, 3]);
    const byIndex = new KerasNormalization({ axis: [3], mean: [1, 2, 3], variance: [1, 1, 4] });
    expect((byIndex.apply(frames) as tf.Tensor).arraySync()).toEqual(
      tf.tidy(() => tf.zeros([1, 2, 2, 3]).sub([1, 2, 1.5]).arraySync()),
    );
    const across = new KerasNormalization({ axis: [1], name: 'normalization' });
    expect(() => across.apply(frames)).toThrow(
      /Normalization layer normalization normalises along axis \[1\]/,
    );
    expect(() => new KerasNormalization({ axis: [1, 2] })).toThrow(/along axis \[1,2\]/);
    frames.dispose();
  });
});
