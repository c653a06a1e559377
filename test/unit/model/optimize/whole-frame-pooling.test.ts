import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../../src/model/run/backend.js';
import { poolWholeFrames } from '../../../../src/model/optimize/whole-frame-pooling.js';

const FRAME = { height: 13, width: 9, channels: 3 };

function run(layers: readonly tf.layers.Layer[], x: tf.Tensor): Float32Array {
  return tf.tidy(() => {
    let y = x;
    for (const layer of layers) y = layer.apply(y) as tf.Tensor;
    expect(y.shape).toEqual([2, 5]);
    return y.dataSync() as Float32Array;
  });
}

describe('poolWholeFrames', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('replaces a global average pooling by a whole-frame pooling with the same embeddings', () => {
    const conv = tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, activation: 'relu' });
    const gap = tf.layers.globalAveragePooling2d({});
    const layers = poolWholeFrames([conv, gap], FRAME);
    expect(layers.map((l) => l.getClassName())).toEqual(['Conv2D', 'AveragePooling2D', 'Flatten']);
    // Conv 3×3 stride 2 without padding: a 13×9 frame becomes a 6×4 map, the pooling's window.
    expect(layers[1]!.getConfig().poolSize).toEqual([6, 4]);
    const x = tf.randomUniform([2, FRAME.height, FRAME.width, FRAME.channels], 0, 1, 'float32', 7);
    const expected = run([conv, gap], x);
    const actual = run(layers, x);
    actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-6));
    x.dispose();
    conv.dispose();
  });

  it('leaves a channels-first pooling as it is', () => {
    const gap = tf.layers.globalAveragePooling2d({ dataFormat: 'channelsFirst' });
    expect(poolWholeFrames([gap], FRAME)).toEqual([gap]);
  });
});
