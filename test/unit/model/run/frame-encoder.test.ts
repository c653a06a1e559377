import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../../src/model/run/backend.js';
import { prepareModel } from '../../../../src/model/load-model.js';
import { saveSeedModel } from '../../../support/models.js';

const SIDE = 99;

describe('FrameEncoder', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('runs a large batch in chunks with the same embeddings as frame by frame, and no tensor left', async () => {
    const { model } = await saveSeedModel({ height: SIDE, width: SIDE, seed: 4 });
    const loaded = prepareModel(model, {}, 'memory');
    // The seed's widest map at 99×99 is 49×49×64 floats: 4 frames to a chunk.
    expect(loaded.encoder.chunkFrames).toBe(4);
    const frames = Array.from({ length: 9 }, (_, f) =>
      Uint8Array.from({ length: SIDE * SIDE * 3 }, (_, i) => (f * 37 + i * 11) & 0xff),
    );
    const tensors = tf.memory().numTensors;
    const batch = loaded.encoder.encode(frames);
    expect(tf.memory().numTensors).toBe(tensors);
    const d = loaded.encoder.embeddingSize;
    expect(batch).toHaveLength(9 * d);
    frames.forEach((frame, f) => {
      const alone = loaded.encoder.encode([frame]);
      alone.forEach((v, i) => expect(Math.abs(v - batch[f * d + i]!)).toBeLessThan(1e-5));
    });
    loaded.dispose();
  });
});
