import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../../src/errors.js';
import { useBackend } from '../../../src/model/run/backend.js';
import {
  changeLayerUnits,
  changeStatistics,
  setChangeLayer,
  type ChangeStatistics,
} from '../change-layer.js';
import { SeededRandom } from '../../../src/train/seeded-random.js';

const FEATURES = 5;
const STEPS = 4;

/** A designed change layer over FEATURES features, alone in a model. */
function changeModel(statistics: ChangeStatistics): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.lstm({
      units: changeLayerUnits(FEATURES),
      returnSequences: true,
      recurrentActivation: 'sigmoid',
      inputShape: [null, FEATURES],
    }),
  );
  setChangeLayer(model.layers[0]!, statistics);
  return model;
}

/** What each step should output, computed directly: rectified scaled changes, rise then fall. */
function expected(sequence: readonly number[][], statistics: ChangeStatistics): number[][] {
  const rectified = (z: number) => Math.tanh(Math.tanh(z / 2)) / (1 + Math.exp(-4 * z));
  return sequence.map((frame, t) => {
    const z = frame.map((x, f) =>
      t === 0 ? 0 : (x - sequence[t - 1]![f]!) / statistics.changeScale[f]!,
    );
    return [...z.map(rectified), ...z.map((v) => (t === 0 ? 0 : rectified(-v)))];
  });
}

describe('setChangeLayer', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('outputs each feature’s rectified change since the previous frame, nothing on the first', () => {
    const random = new SeededRandom(4);
    const statistics: ChangeStatistics = {
      mean: Float32Array.from({ length: FEATURES }, () => random.next() * 4 - 2),
      spread: Float32Array.from({ length: FEATURES }, () => 0.5 + random.next() * 2),
      changeScale: Float32Array.from({ length: FEATURES }, () => 0.02 + random.next() * 0.2),
    };
    // Frames up to 3 spreads from the mean; changes from none to many change scales.
    const sequence = Array.from({ length: 6 }, () =>
      Array.from(
        { length: FEATURES },
        (_, f) => statistics.mean[f]! + (random.next() * 6 - 3) * statistics.spread[f]! * 0.3,
      ),
    );
    const model = changeModel(statistics);
    const out = tf.tidy(() =>
      (model.predict(tf.tensor3d([sequence])) as tf.Tensor).arraySync(),
    ) as number[][][];
    const want = expected(sequence, statistics);
    for (let t = 0; t < sequence.length; t++) {
      const changes = out[0]![t]!.slice(FEATURES, 3 * FEATURES);
      changes.forEach((value, i) => expect(value).toBeCloseTo(want[t]![i]!, 3));
    }
    model.dispose();
  });

  it('gives the same output whatever constant is added to every frame of a window', () => {
    const statistics: ChangeStatistics = {
      mean: new Float32Array(FEATURES).fill(1),
      spread: new Float32Array(FEATURES).fill(1),
      changeScale: new Float32Array(FEATURES).fill(0.1),
    };
    const model = changeModel(statistics);
    const window = [0, 0.05, 0.6, 0.62].map((v) => new Array<number>(FEATURES).fill(v));
    const shifted = window.map((frame) => frame.map((v, f) => v + (f % 2 === 0 ? 2 : -1.5)));
    const [a, b] = tf.tidy(() =>
      [window, shifted].map((w) => (model.predict(tf.tensor3d([w])) as tf.Tensor).arraySync()),
    ) as [number[][][], number[][][]];
    for (let t = 0; t < STEPS; t++) {
      const changes = (x: number[][][]) => x[0]![t]!.slice(FEATURES, 3 * FEATURES);
      changes(a).forEach((v, i) => expect(v).toBeCloseTo(changes(b)[i]!, 3));
    }
    // The jump between the second and third frames (5.5 change scales) saturates; the others do not.
    expect(a[0]![2]![FEATURES]).toBeGreaterThan(0.7);
    expect(a[0]![3]![FEATURES]).toBeLessThan(0.15);
    model.dispose();
  });

  it('refuses a layer of the wrong size, and leaks no tensors', () => {
    const wrong = tf.sequential({
      layers: [
        tf.layers.lstm({ units: 7, recurrentActivation: 'sigmoid', inputShape: [STEPS, FEATURES] }),
      ],
    });
    const layer = wrong.layers[0]!;
    const statistics = changeStatistics(new Float32Array(STEPS * FEATURES), STEPS, FEATURES);
    const before = tf.memory().numTensors;
    expect(() => setChangeLayer(layer, statistics)).toThrow(ModelError);
    expect(tf.memory().numTensors).toBe(before);
    const model = changeModel(statistics);
    const count = tf.memory().numTensors;
    setChangeLayer(model.layers[0]!, statistics);
    expect(tf.memory().numTensors).toBe(count);
    expect(model.layers[0]!.trainable).toBe(false);
    model.dispose();
    wrong.dispose();
  });
});

describe('changeStatistics', () => {
  it('takes the mean and spread over frames and the 90th percentile of within-window changes', () => {
    // Two windows of 4 frames, one feature: changes 1,1,1 and 1,1,10.
    const data = Float32Array.from([0, 1, 2, 3, 10, 11, 12, 22]);
    const { mean, spread, changeScale } = changeStatistics(data, 4, 1);
    expect(mean[0]).toBeCloseTo(61 / 8, 5);
    const variance = data.reduce((s, x) => s + (x - 61 / 8) ** 2, 0) / 8;
    expect(spread[0]).toBeCloseTo(Math.sqrt(variance), 4);
    expect(changeScale[0]).toBe(10);
  });

  it('floors the scales of a feature that never changes, so that rounding noise is no change', () => {
    // Feature 0 spans 0..100; feature 1 is 5 with float32 rounding jitter of 10⁻⁶.
    const random = new SeededRandom(3);
    const data = new Float32Array(2 * 400);
    for (let i = 0; i < 400; i++) {
      data[2 * i] = random.next() * 100;
      data[2 * i + 1] = 5 + (random.next() - 0.5) * 1e-6;
    }
    const { spread, changeScale } = changeStatistics(data, 4, 2);
    const floor = 1e-4 * 70; // below feature 0's |mean| + spread (about 79)
    expect(spread[1]).toBeGreaterThan(floor);
    expect(changeScale[1]).toBeGreaterThan(floor);
    expect(1e-6 / changeScale[1]!).toBeLessThan(1e-3);
  });
});
