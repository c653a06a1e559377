import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { prepareModel, type LoadedModel } from '../../../src/model/load-model.js';
import { useBackend } from '../../../src/model/run/backend.js';
import { fitWindows, type FitOptions } from '../../../src/train/fit-windows.js';
import { SeededRandom } from '../../../src/train/seeded-random.js';
import { buildSeedModel } from '../../../src/train/seed-model.js';
import type { WindowExamples } from '../../../src/train/window-examples.js';

const WINDOW = 4;
const FEATURES = 64;

/** Windows of embeddings: class 1 windows are 1 higher in every feature than class 0 windows. */
function embeddingWindows(count: number, seed: number): WindowExamples {
  const random = new SeededRandom(seed);
  const labels = Array.from({ length: count }, (_, i) => i % 2);
  const inputs = labels.map((label) =>
    Float32Array.from({ length: WINDOW * FEATURES }, () => label + random.next()),
  );
  return { inputs, labels };
}

function seedModel(): LoadedModel {
  const model = buildSeedModel({ height: 16, width: 16, seed: 3 });
  return prepareModel(model, {}, 'a seed model', { fold: false });
}

const OPTIONS: FitOptions = {
  epochs: 3,
  batchSize: 8,
  learningRate: 0.01,
  patience: 5,
  frozenEncoder: true,
  seed: 1,
};

describe('fitWindows', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('trains each epoch on what augmentEpoch makes of the inputs, and disposes it', async () => {
    const model = seedModel();
    const calls: { epoch: number; shape: number[] }[] = [];
    const before = tf.memory().numTensors;
    const result = await fitWindows(model, embeddingWindows(32, 1), embeddingWindows(8, 2), {
      ...OPTIONS,
      augmentEpoch: (inputs, epoch) => {
        calls.push({ epoch, shape: inputs.shape });
        return epoch === 2 ? inputs : inputs.add(0.01);
      },
    });
    expect(calls).toEqual([1, 2, 3].map((epoch) => ({ epoch, shape: [32, WINDOW, FEATURES] })));
    expect(result.epochs).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('refuses an augmentEpoch that changes the number of windows, naming both shapes', async () => {
    const model = seedModel();
    const before = tf.memory().numTensors;
    const fit = fitWindows(model, embeddingWindows(32, 1), embeddingWindows(8, 2), {
      ...OPTIONS,
      augmentEpoch: (inputs) => inputs.slice(0, 16),
    });
    await expect(fit).rejects.toThrow(UsageError);
    await expect(fit).rejects.toThrow(
      "augmentEpoch must return a tensor of the inputs' shape [32, 4, 64], got [16, 4, 64] in epoch 1",
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
