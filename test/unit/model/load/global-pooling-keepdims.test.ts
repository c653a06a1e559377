import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GlobalAveragePooling2DKeepdims } from '../../../../src/model/load/global-pooling-keepdims.js';
import { useBackend } from '../../../../src/model/run/backend.js';

describe('GlobalAveragePooling2DKeepdims', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('averages over height and width and keeps them as 1 × 1, so it multiplies its input', () => {
    const layer = new GlobalAveragePooling2DKeepdims({ name: 'se_squeeze' });
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    const before = tf.memory().numTensors;
    const pooled = layer.apply(x) as tf.Tensor;
    expect(pooled.shape).toEqual([1, 1, 1, 2]);
    expect(Array.from(pooled.dataSync())).toEqual([4, 5]);
    expect(layer.computeOutputShape([null, 7, 5, 3])).toEqual([null, 1, 1, 3]);
    const scaled = tf.mul(x, pooled);
    expect(scaled.shape).toEqual([1, 2, 2, 2]);
    tf.dispose([pooled, scaled]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('serialises with keepdims, as Keras writes it', () => {
    expect(new GlobalAveragePooling2DKeepdims({ name: 'p' }).getConfig()).toMatchObject({
      name: 'p',
      keepdims: true,
    });
  });
});
