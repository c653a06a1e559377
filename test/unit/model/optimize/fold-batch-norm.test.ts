import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../../src/model/run/backend.js';
import { DEFAULT_PREPROCESSING } from '../../../../src/model/load/framewise-config.js';
import { foldBatchNorm } from '../../../../src/model/optimize/fold-batch-norm.js';
import { prepareModel } from '../../../../src/model/load-model.js';
import { randomizeBatchNorm, saveSeedModel } from '../../../support/models.js';

const SIZE = 20;

function frames(count: number): Uint8Array[] {
  let s = 11;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  return Array.from({ length: count }, () => Uint8Array.from({ length: SIZE * SIZE * 3 }, next));
}

/**
 * The seed architecture with a 2×2 grid of averages in place of its global pooling (a `valid`
 * AveragePooling2D then Flatten, as older Keras backbones end) and an LSTM of 8 units; its
 * BatchNorm layers get seeded statistics (as `saveSeedModel` gives the seed model's), so that
 * they matter to the result. On 20×20 frames the map is 9×9: 4×4 cells, a 256-wide embedding.
 */
function gridPooledModel(seed: number, classes: number): tf.Sequential {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed + offset });
  const encoder = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [SIZE, SIZE, 3],
        filters: 6,
        kernelSize: 3,
        strides: 2,
        activation: 'relu',
        kernelInitializer: init(0),
      }),
      tf.layers.batchNormalization(),
      tf.layers.conv2d({
        filters: 64,
        kernelSize: 1,
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tf.layers.batchNormalization(),
      tf.layers.averagePooling2d({ poolSize: 4, strides: 4 }),
      tf.layers.flatten(),
    ],
  });
  const model = tf.sequential();
  model.add(tf.layers.timeDistributed({ layer: encoder, inputShape: [4, SIZE, SIZE, 3] }));
  model.add(
    tf.layers.lstm({
      units: 8,
      kernelInitializer: init(10),
      recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 20, gain: 1 }),
    }),
  );
  model.add(
    tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: init(30) }),
  );
  randomizeBatchNorm(model, seed);
  return model;
}

/** The encoders under test: the seed's global pooling, and a grid of averages. */
const POOLINGS = [
  {
    name: 'global average pooling',
    pooling: ['GlobalAveragePooling2D'],
    features: 64,
    build: async (seed: number, classes: number) =>
      (await saveSeedModel({ height: SIZE, width: SIZE, seed, classes })).model,
  },
  {
    name: 'a grid of averages',
    pooling: ['AveragePooling2D', 'Flatten'],
    features: 4 * 64,
    build: async (seed: number, classes: number) => gridPooledModel(seed, classes),
  },
];

function expectClose(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-4));
}

describe('foldBatchNorm', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it.each(POOLINGS)(
    'folds an encoder ending in $name: input scale and both BatchNorms, the last through the pooling, leaving the model as it was',
    async ({ pooling, build }) => {
      const model = await build(3, 2);
      const plain = prepareModel(model, {}, 'memory', { fold: false });
      const before = tf.memory().numTensors;
      const folded = foldBatchNorm(
        plain.split.encoderLayers,
        plain.split.headLayers,
        DEFAULT_PREPROCESSING,
      );
      expect(folded.folded).toBe(3);
      expect(folded.encoderLayers.map((l) => l.getClassName())).toEqual([
        'Conv2D',
        'Conv2D',
        ...pooling,
      ]);
      expect(folded.preprocessing.scale).toBe(1);
      expect(plain.split.encoderLayers).toHaveLength(1);
      for (const layer of folded.created) layer.dispose();
      expect(tf.memory().numTensors).toBe(before);
      plain.dispose();
    },
  );

  it.each(POOLINGS)(
    'gives the same window and stateful scores within 1e-4 (encoder ending in $name)',
    async ({ features, build }) => {
      const model = await build(5, 3);
      const plain = prepareModel(model, {}, 'memory', { fold: false });
      const fast = prepareModel(model, {}, 'memory');
      const input = frames(8);
      const e1 = plain.encoder.encode(input);
      const e2 = fast.encoder.encode(input);
      // The BatchNorm before the pooling moved into the LSTM: compare what the head makes of them.
      const d = plain.split.embeddingSize;
      expect(d).toBe(features);
      expectClose(
        plain.head.classifyWindows(e1.subarray(0, 4 * d), 1, 4),
        fast.head.classifyWindows(e2.subarray(0, 4 * d), 1, 4),
      );
      expectClose(plain.head.classifyWindows(e1, 2, 4), fast.head.classifyWindows(e2, 2, 4));
      const [s1, s2] = [plain.head.createState(), fast.head.createState()];
      expectClose(plain.head.step(s1, e1, 8, [3, 5, 7]), fast.head.step(s2, e2, 8, [3, 5, 7]));
      s1.dispose();
      s2.dispose();
      plain.dispose();
    },
  );
});
