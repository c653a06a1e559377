import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../../src/model/run/backend.js';
import { encoderGraph, type EncoderGraph } from '../../../../src/model/load/encoder-graph.js';
import { poolWholeFrames } from '../../../../src/model/optimize/whole-frame-pooling.js';
import { runGraph } from '../../../../src/model/run/run-graph.js';

const FRAME = { height: 13, width: 9, channels: 3 };

function run(graph: EncoderGraph, x: tf.Tensor): Float32Array {
  return tf.tidy(() => {
    const y = runGraph(graph, x);
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
    const graph = encoderGraph([conv, gap]);
    const pooled = poolWholeFrames(graph, FRAME);
    const layers = pooled.nodes.map((node) => node.layer);
    expect(layers.map((l) => l.getClassName())).toEqual(['Conv2D', 'AveragePooling2D', 'Flatten']);
    // Conv 3×3 stride 2 without padding: a 13×9 frame becomes a 6×4 map, the pooling's window.
    expect(layers[1]!.getConfig().poolSize).toEqual([6, 4]);
    const x = tf.randomUniform([2, FRAME.height, FRAME.width, FRAME.channels], 0, 1, 'float32', 7);
    const expected = run(graph, x);
    const actual = run(pooled, x);
    actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-6));
    x.dispose();
    conv.dispose();
  });

  it('rewrites a pooling inside a branch (squeeze and excitation) and keeps the graph exact', () => {
    const input = tf.input({ shape: [FRAME.height, FRAME.width, FRAME.channels] });
    const features = tf.layers
      .conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' })
      .apply(input) as tf.SymbolicTensor;
    const squeeze = tf.layers.globalAveragePooling2d({ name: 'se_squeeze' }).apply(features);
    const excite = tf.layers
      .dense({ units: 5, activation: 'sigmoid' })
      .apply(tf.layers.reshape({ targetShape: [1, 1, 5] }).apply(squeeze));
    const scaled = tf.layers.multiply({}).apply([features, excite] as tf.SymbolicTensor[]);
    const output = tf.layers.globalAveragePooling2d({}).apply(scaled) as tf.SymbolicTensor;
    const graph = encoderGraph([tf.model({ inputs: input, outputs: output })]);
    const pooled = poolWholeFrames(graph, FRAME);
    expect(pooled.nodes.map((node) => node.layer.getClassName())).toEqual([
      'Conv2D',
      'AveragePooling2D',
      'Flatten',
      'Reshape',
      'Dense',
      'Multiply',
      'AveragePooling2D',
      'Flatten',
    ]);
    const x = tf.randomUniform([2, FRAME.height, FRAME.width, FRAME.channels], 0, 1, 'float32', 3);
    const expected = run(graph, x);
    run(pooled, x).forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-6));
    x.dispose();
  });

  it('leaves a channels-first pooling as it is', () => {
    const gap = tf.layers.globalAveragePooling2d({ dataFormat: 'channelsFirst' });
    const graph = encoderGraph([gap]);
    expect(poolWholeFrames(graph, FRAME).nodes).toEqual(graph.nodes);
  });
});
