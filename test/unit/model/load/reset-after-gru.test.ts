import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../../src/model/run/backend.js';
import { RecurrentHead } from '../../../../src/model/run/recurrent-head.js';
import {
  RESET_AFTER_GRU_CLASS,
  ResetAfterGRU,
} from '../../../../src/model/load/reset-after-gru.js';
import {
  denseSoftmax,
  gruSequence,
  type GruWeights,
} from '../../../support/keras-gru-reference.js';

const INPUT = 5;
const UNITS = 4;
const CLASSES = 3;

/** Seeded uniform numbers in [-scale, scale). */
function randomValues(count: number, seed: number, scale = 0.8): Float32Array {
  let s = seed;
  return Float32Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return ((s >>> 8) / 2 ** 24 - 0.5) * 2 * scale;
  });
}

/** Random Keras-layout weights: biases of both rows non-zero so that each one matters. */
function randomGru(seed: number): GruWeights {
  return {
    kernel: randomValues(INPUT * 3 * UNITS, seed),
    recurrentKernel: randomValues(UNITS * 3 * UNITS, seed + 1),
    bias: randomValues(2 * 3 * UNITS, seed + 2, 0.5),
    inputSize: INPUT,
    units: UNITS,
  };
}

function gruLayer(
  w: GruWeights,
  config: Partial<{ returnSequences: boolean }> = {},
): ResetAfterGRU {
  const layer = new ResetAfterGRU({ units: UNITS, name: 'gru', ...config });
  tf.tidy(() => {
    layer.apply(tf.zeros([1, 1, INPUT]));
  });
  layer.setWeights([
    tf.tensor2d(w.kernel as Float32Array, [INPUT, 3 * UNITS]),
    tf.tensor2d(w.recurrentKernel as Float32Array, [UNITS, 3 * UNITS]),
    tf.tensor2d(w.bias as Float32Array, [2, 3 * UNITS]),
  ]);
  return layer;
}

function sequence(steps: number, seed: number): Float32Array[] {
  return Array.from({ length: steps }, (_, t) => randomValues(INPUT, seed + t, 1.5));
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => expect(Math.abs(actual[i]! - v)).toBeLessThan(1e-5));
}

describe('ResetAfterGRU', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('equals the float64 Keras equations on every step of several sequences', () => {
    const w = randomGru(11);
    const layer = gruLayer(w, { returnSequences: true });
    const windows = [sequence(6, 100), sequence(6, 200)];
    const output = tf.tidy(() => {
      const x = tf.tensor3d(
        windows.flatMap((s) => s.flatMap((v) => [...v])),
        [2, 6, INPUT],
      );
      return (layer.apply(x) as tf.Tensor).dataSync();
    });
    windows.forEach((steps, b) => {
      gruSequence(w, steps).forEach((state, t) => {
        expectClose(output.subarray((b * 6 + t) * UNITS, (b * 6 + t + 1) * UNITS), state);
      });
    });
    layer.dispose();
  });

  it('round-trips through getConfig and TensorFlow.js deserialisation', () => {
    const layer = new ResetAfterGRU({ units: UNITS, name: 'gru', returnSequences: true });
    const config = layer.getConfig();
    expect(config).toMatchObject({ units: UNITS, resetAfter: true, returnSequences: true });
    const copy = tf.serialization.SerializationMap.getMap().classNameMap[RESET_AFTER_GRU_CLASS]!;
    const revived = copy[1](copy[0], config) as ResetAfterGRU;
    expect(revived).toBeInstanceOf(ResetAfterGRU);
    expect(revived.getConfig()).toEqual(config);
  });

  it('runs inside Bidirectional: forward pass and backward pass concatenated', () => {
    const w = randomGru(21);
    const bidirectional = tf.layers.bidirectional({
      layer: new ResetAfterGRU({ units: UNITS, name: 'gru' }) as unknown as tf.RNN,
    });
    tf.tidy(() => {
      bidirectional.apply(tf.zeros([1, 1, INPUT]));
    });
    const values = [w.kernel, w.recurrentKernel, w.bias] as Float32Array[];
    const shapes = [
      [INPUT, 3 * UNITS],
      [UNITS, 3 * UNITS],
      [2, 3 * UNITS],
    ];
    const tensors = [...values, ...values].map((v, i) => tf.tensor(v, shapes[i % 3]));
    bidirectional.setWeights(tensors);
    tf.dispose(tensors);
    const steps = sequence(5, 300);
    const output = tf.tidy(() =>
      (
        bidirectional.apply(
          tf.tensor3d([steps.flatMap((s) => [...s])].flat(), [1, 5, INPUT]),
        ) as tf.Tensor
      ).dataSync(),
    );
    const forward = gruSequence(w, steps).at(-1)!;
    const backward = gruSequence(w, [...steps].reverse()).at(-1)!;
    expectClose(output, [...forward, ...backward]);
    bidirectional.dispose();
  });

  it('steps in stateful mode like one pass over the whole sequence, leaving no tensor', () => {
    const w = randomGru(31);
    const gru = gruLayer(w);
    const dense = tf.layers.dense({ units: CLASSES, activation: 'softmax' });
    tf.tidy(() => {
      dense.apply(tf.zeros([1, UNITS]));
    });
    const [kernel, bias] = dense.getWeights().map((t) => t.dataSync());
    const head = new RecurrentHead([gru, dense], INPUT, CLASSES);
    const steps = sequence(9, 400);
    const flat = Float32Array.from(steps.flatMap((s) => [...s]));
    const states = gruSequence(w, steps);
    const state = head.createState();
    const before = tf.memory().numTensors;
    const early = head.step(state, flat.subarray(0, 4 * INPUT), 4, [3]);
    const late = head.step(state, flat.subarray(4 * INPUT), 5, [2, 4]);
    expect(tf.memory().numTensors).toBe(before);
    expectClose(early, denseSoftmax(states[3]!, kernel!, bias!));
    expectClose(late.subarray(0, CLASSES), denseSoftmax(states[6]!, kernel!, bias!));
    expectClose(late.subarray(CLASSES), denseSoftmax(states[8]!, kernel!, bias!));
    const windows = head.classifyWindows(flat.subarray(0, 8 * INPUT), 2, 4);
    expect(tf.memory().numTensors).toBe(before);
    expectClose(windows.subarray(0, CLASSES), denseSoftmax(states[3]!, kernel!, bias!));
    const second = gruSequence(w, steps.slice(4, 8)).at(-1)!;
    expectClose(windows.subarray(CLASSES), denseSoftmax(second, kernel!, bias!));
    state.dispose();
    head.dispose();
    gru.dispose();
    dense.dispose();
  });
});
