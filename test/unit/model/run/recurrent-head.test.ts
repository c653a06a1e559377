import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../../src/model/run/backend.js';
import { prepareModel, type LoadedModel } from '../../../../src/model/load-model.js';
import { buildSeedModel, type SeedModelOptions } from '../../../../src/train/seed-model.js';

const HEADS: [string, SeedModelOptions][] = [
  ['LSTM', { recurrent: 'lstm' }],
  ['GRU', { recurrent: 'gru' }],
  ['stacked LSTM', { recurrent: 'lstm', recurrentUnits: [24, 16] }],
  ['SimpleRNN', { recurrent: 'simpleRNN' }],
];
const SIZE = 16;

function randomFrames(count: number, seed: number): Uint8Array[] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  return Array.from({ length: count }, () => Uint8Array.from({ length: SIZE * SIZE * 3 }, next));
}

/** The monolithic model's prediction on the window of frames `[start, start + n)`. */
function predictWindow(loaded: LoadedModel, frames: Uint8Array[], start: number, n: number) {
  return tf.tidy(() => {
    const pixels = frames
      .slice(start, start + n)
      .map((f) => tf.tensor3d(f, [SIZE, SIZE, 3], 'int32'));
    const x = tf.stack(pixels).toFloat().div(255).expandDims(0);
    return (loaded.model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
}

describe('RecurrentHead', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  describe.each(HEADS)('%s head', (_name, options) => {
    const build = () =>
      prepareModel(
        buildSeedModel({ ...options, height: SIZE, width: SIZE, timeSteps: 4, classes: 3 }),
        {},
        'memory',
      );

    it('window mode equals the whole model on each window', () => {
      const loaded = build();
      const frames = randomFrames(7, 3);
      const embeddings = loaded.encoder.encode(frames);
      const d = loaded.split.embeddingSize;
      const windows = 4;
      const input = new Float32Array(windows * 4 * d);
      for (let w = 0; w < windows; w++)
        input.set(embeddings.subarray(w * d, (w + 4) * d), w * 4 * d);
      const scores = loaded.head.classifyWindows(input, windows, 4);
      for (let w = 0; w < windows; w++) {
        const expected = predictWindow(loaded, frames, w, 4);
        const actual = scores.subarray(w * 3, w * 3 + 3);
        expected.forEach((v, c) => expect(actual[c]).toBeCloseTo(v, 5));
      }
      loaded.dispose();
    });

    it('stateful mode in chunks equals one pass over the whole sequence', () => {
      const loaded = build();
      const frames = randomFrames(9, 5);
      const embeddings = loaded.encoder.encode(frames);
      const d = loaded.split.embeddingSize;
      // Reference: the model's own head layers over all 9 embeddings in one call.
      const whole = loaded.head.classifyWindows(embeddings, 1, 9);
      const state = loaded.head.createState();
      const before = tf.memory().numTensors;
      loaded.head.step(state, embeddings.subarray(0, 4 * d), 4, []);
      const tail = loaded.head.step(state, embeddings.subarray(4 * d), 5, [4]);
      expect(tf.memory().numTensors).toBe(before);
      whole.forEach((v, c) => expect(tail[c]).toBeCloseTo(v, 5));
      state.dispose();
      loaded.dispose();
    });
  });

  it('leaves no tensor behind', () => {
    const loaded = prepareModel(buildSeedModel({ height: SIZE, width: SIZE }), {}, 'memory');
    const frames = randomFrames(4, 9);
    const before = tf.memory().numTensors;
    const embeddings = loaded.encoder.encode(frames);
    loaded.head.classifyWindows(embeddings, 1, 4);
    expect(tf.memory().numTensors).toBe(before);
    loaded.dispose();
  });

  it('dispose frees every weight, the stepping copies included', () => {
    const before = tf.memory().numTensors;
    const loaded = prepareModel(buildSeedModel({ height: SIZE, width: SIZE }), {}, 'memory');
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
