import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../../src/model/run/backend.js';
import { DEFAULT_PREPROCESSING } from '../../../../src/model/load/framewise-config.js';
import { foldBatchNorm } from '../../../../src/model/optimize/fold-batch-norm.js';
import { prepareModel } from '../../../../src/model/load-model.js';
import { saveSeedModel } from '../../../support/models.js';

const SIZE = 20;

function frames(count: number): Uint8Array[] {
  let s = 11;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  return Array.from({ length: count }, () => Uint8Array.from({ length: SIZE * SIZE * 3 }, next));
}

function expectClose(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-4));
}

describe('foldBatchNorm', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it.each([
    { poolingGrid: 1, pooling: ['GlobalAveragePooling2D'] },
    { poolingGrid: 2, pooling: ['AveragePooling2D', 'Flatten'] },
  ])(
    'folds the seed encoder (pooling grid $poolingGrid): input scale and both BatchNorms, the last through the pooling, leaving the model as it was',
    async ({ poolingGrid, pooling }) => {
      const { model } = await saveSeedModel({ height: SIZE, width: SIZE, seed: 3, poolingGrid });
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

  it.each([1, 2])(
    'gives the same window and stateful scores within 1e-4 (pooling grid %i)',
    async (poolingGrid) => {
      const { model } = await saveSeedModel({
        height: SIZE,
        width: SIZE,
        seed: 5,
        classes: 3,
        poolingGrid,
      });
      const plain = prepareModel(model, {}, 'memory', { fold: false });
      const fast = prepareModel(model, {}, 'memory');
      const input = frames(8);
      const e1 = plain.encoder.encode(input);
      const e2 = fast.encoder.encode(input);
      // The BatchNorm before the pooling moved into the LSTM: compare what the head makes of them.
      const d = plain.split.embeddingSize;
      expect(d).toBe(64 * poolingGrid ** 2);
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
