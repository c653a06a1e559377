import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src/model/run/backend.js';
import { prepareModel } from '../../../src/model/load-model.js';
import { warmUp } from '../../../src/model/warm-up.js';
import { saveSeedModel } from '../../support/models.js';

describe('warmUp', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('runs the encoder and the head once and leaves no tensor behind', async () => {
    const { model } = await saveSeedModel({ height: 16, width: 16, seed: 2 });
    const loaded = prepareModel(model, {}, 'memory');
    const frame = Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 31) & 0xff);
    const before = loaded.encoder.encode([frame]);
    const tensors = tf.memory().numTensors;
    await warmUp(loaded, { frames: 3, windows: 2, steps: 4 });
    await warmUp(loaded, { frames: 0, windows: 2, steps: 4 });
    expect(tf.memory().numTensors).toBe(tensors);
    // Warming up changes nothing the model computes.
    expect(Array.from(loaded.encoder.encode([frame]))).toEqual(Array.from(before));
    loaded.dispose();
  });
});
