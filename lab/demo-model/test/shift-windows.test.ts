import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { useBackend } from '../../../src/model/run/backend.js';
import { SeededRandom } from '../../../src/train/seeded-random.js';
import { featureStds, shiftAugmentation, shiftWindows } from '../shift-windows.js';

const STEPS = 4;
const FEATURES = 3;
const WINDOWS = 200;

/** Window w, step s, feature f holds w + 10·s + 100·f. */
function windows() {
  const data = new Float32Array(WINDOWS * STEPS * FEATURES);
  for (let w = 0; w < WINDOWS; w++)
    for (let s = 0; s < STEPS; s++)
      for (let f = 0; f < FEATURES; f++)
        data[(w * STEPS + s) * FEATURES + f] = w + 10 * s + 100 * f;
  return { data, steps: STEPS, features: FEATURES };
}

describe('featureStds', () => {
  it('is the population standard deviation of each feature over all frames', () => {
    const stds = featureStds({
      data: Float32Array.from([1, 10, 3, 10, 5, 10]),
      steps: 1,
      features: 2,
    });
    expect(stds[0]).toBeCloseTo(Math.sqrt(8 / 3), 5);
    expect(stds[1]).toBe(0);
  });
});

describe('shiftWindows', () => {
  it('adds one offset per window and feature: differences between time steps are unchanged', () => {
    const input = windows();
    const stds = featureStds(input);
    const out = shiftWindows(input, stds, 1, new SeededRandom(1));
    for (let w = 0; w < WINDOWS; w++) {
      for (let f = 0; f < FEATURES; f++) {
        const at = (s: number) => (w * STEPS + s) * FEATURES + f;
        const offset = out[at(0)]! - input.data[at(0)]!;
        for (let s = 1; s < STEPS; s++)
          expect(out[at(s)]! - input.data[at(s)]!).toBeCloseTo(offset, 3);
      }
    }
  });

  it('draws offsets with a spread of factor × the feature std, freshly on each call', () => {
    const input = windows();
    const stds = Float32Array.from([2, 0, 5]);
    const random = new SeededRandom(7);
    const first = shiftWindows(input, stds, 0.5, random);
    const second = shiftWindows(input, stds, 0.5, random);
    const offsets = (out: Float32Array, f: number) =>
      Array.from(
        { length: WINDOWS },
        (_, w) => out[w * STEPS * FEATURES + f]! - input.data[w * STEPS * FEATURES + f]!,
      );
    const spread = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);
    expect(spread(offsets(first, 0))).toBeGreaterThan(0.8);
    expect(spread(offsets(first, 0))).toBeLessThan(1.2);
    expect(spread(offsets(first, 2))).toBeGreaterThan(2);
    expect(spread(offsets(first, 2))).toBeLessThan(3);
    expect(spread(offsets(first, 1))).toBeLessThan(1e-5);
    expect(first).not.toEqual(second);
    expect(input.data[0]).toBe(0);
  });

  it('is reproducible from the seed and copies the windows with factor 0', () => {
    const input = windows();
    const stds = featureStds(input);
    expect(shiftWindows(input, stds, 1, new SeededRandom(3))).toEqual(
      shiftWindows(input, stds, 1, new SeededRandom(3)),
    );
    expect(shiftWindows(input, stds, 0, new SeededRandom(3))).toEqual(input.data);
  });
});

describe('shiftAugmentation', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('shifts the inputs afresh each epoch, as shiftWindows does from the seed offset by 7919', () => {
    const input = windows();
    const x = tf.tensor3d(input.data, [WINDOWS, STEPS, FEATURES]);
    const augment = shiftAugmentation(1, 5);
    const random = new SeededRandom(5 + 7919);
    const stds = featureStds(input);
    for (const epoch of [1, 2]) {
      const shifted = augment(x, epoch);
      expect(shifted).not.toBe(x);
      expect(shifted.shape).toEqual(x.shape);
      expect(shifted.dataSync()).toEqual(shiftWindows(input, stds, 1, random));
      shifted.dispose();
    }
    const third = augment(x, 3);
    expect(third.dataSync()).not.toEqual(x.dataSync());
    third.dispose();
    expect(shiftAugmentation(0, 5)(x, 1)).toBe(x);
    x.dispose();
  });

  it('refuses pixels: shifts need the embeddings of a frozen encoder', () => {
    const pixels = tf.zeros([2, STEPS, 3, 3, 3]);
    expect(() => shiftAugmentation(1, 1)(pixels, 1)).toThrow(UsageError);
    expect(() => shiftAugmentation(1, 1)(pixels, 1)).toThrow(
      'shift augmentation shifts embeddings [windows, steps, features]: it needs a frozen encoder, got inputs of rank 5',
    );
    pixels.dispose();
  });
});
