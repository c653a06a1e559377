import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResetAfterGRU } from '../../src/model/load/reset-after-gru.js';
import { useBackend } from '../../src/model/run/backend.js';
import { OnnxHead } from '../../src/model/run/onnx-head.js';
import { RecurrentHead } from '../../src/model/run/recurrent-head.js';
import {
  ONNX_EMBEDDINGS,
  ONNX_PROBABILITIES,
  translateHead,
} from '../../src/model/translate/translate-head.js';

const EMBEDDING = 6;
const CLASSES = 3;
const STEPS = 5;
const SEQUENCE = 23;

/** Heads as users build them, each on `[batch, time, EMBEDDING]` embeddings. */
const HEADS: [name: string, layers: () => tf.layers.Layer[]][] = [
  ['LSTM, Dense softmax', () => [tf.layers.lstm({ units: 7 }), softmax()]],
  [
    "LSTM with TensorFlow.js' defaults (hard sigmoid gates)",
    () => [tf.layers.lstm({ units: 5, recurrentActivation: 'hardSigmoid' }), softmax()],
  ],
  [
    'GRU (reset_after=False), Dropout, Dense',
    () => [tf.layers.gru({ units: 6 }), tf.layers.dropout({ rate: 0.3 }), softmax()],
  ],
  [
    'GRU (reset_after=True, Keras 3 default)',
    () => [new ResetAfterGRU({ units: 6 }) as unknown as tf.layers.Layer, softmax()],
  ],
  [
    'SimpleRNN with relu, no bias',
    () => [tf.layers.simpleRNN({ units: 4, activation: 'relu', useBias: false }), softmax()],
  ],
  [
    'stacked LSTMs with a Dense between them, Dense relu, Activation',
    () => [
      tf.layers.lstm({ units: 8, returnSequences: true }),
      tf.layers.dense({ units: 5, activation: 'tanh' }),
      tf.layers.lstm({ units: 6 }),
      tf.layers.dense({ units: 4, activation: 'relu' }),
      tf.layers.dense({ units: CLASSES }),
      tf.layers.activation({ activation: 'softmax' }),
    ],
  ],
  [
    'Bidirectional LSTM (window mode only)',
    () => [tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 5 }) as tf.RNN }), softmax()],
  ],
  [
    'Bidirectional GRU returning sequences, then LSTM (window mode only)',
    () => [
      tf.layers.bidirectional({
        layer: tf.layers.gru({ units: 4, returnSequences: true }) as tf.RNN,
      }),
      tf.layers.lstm({ units: 5 }),
      softmax(),
    ],
  ],
];

/** The layers after the input, as framewise splits a model's head off. */
function headLayers(model: tf.Sequential): tf.layers.Layer[] {
  return model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
}

function softmax(): tf.layers.Layer {
  return tf.layers.dense({ units: CLASSES, activation: 'softmax' });
}

/** Seeded embeddings, in the range a backbone's pooled features take. */
function embeddings(count: number, seed: number): Float32Array {
  return tf.tidy(
    () => tf.randomNormal([count * EMBEDDING], 0, 1.5, 'float32', seed).dataSync() as Float32Array,
  );
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(...Array.from(actual, (v, i) => Math.abs(v - expected[i]!)));
  expect(worst).toBeLessThan(1e-5);
}

describe('translateHead: recurrent heads as ONNX models', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  describe.each(HEADS)('%s', (name, build) => {
    let model: tf.Sequential;
    let reference: RecurrentHead;
    let onnx: OnnxHead;
    let states: number;

    beforeAll(async () => {
      const layers = build();
      model = tf.sequential({
        layers: [tf.layers.inputLayer({ inputShape: [null, EMBEDDING] }), ...layers],
      });
      // Glorot's initial weights with zero biases would not test the biases' order.
      for (const [seed, weight] of model.weights.entries()) {
        const values = tf.randomUniform(weight.shape as number[], -0.6, 0.6, 'float32', seed);
        weight.write(values);
        values.dispose();
      }
      const head = headLayers(model);
      reference = new RecurrentHead(head, EMBEDDING, CLASSES);
      const translated = translateHead(head, EMBEDDING, CLASSES);
      states = translated.states.length;
      onnx = await OnnxHead.create({
        bytes: translated.bytes,
        path: `${name}.onnx`,
        input: ONNX_EMBEDDINGS,
        output: ONNX_PROBABILITIES,
        embeddingSize: EMBEDDING,
        classes: CLASSES,
        states: translated.states,
        threads: 1,
      });
    });

    afterAll(() => {
      onnx.dispose();
      reference.dispose();
      model.dispose();
    });

    it('classifies windows as TensorFlow.js does, within 1e-5', async () => {
      const windows = 9;
      const input = embeddings(windows * STEPS, 1);
      expectClose(
        await onnx.classifyWindows(input, windows, STEPS),
        reference.classifyWindows(input, windows, STEPS),
      );
    });

    it('carries its state across calls as TensorFlow.js does (stateful mode), within 1e-5', async () => {
      if (name.startsWith('Bidirectional')) {
        expect(states).toBe(0);
        expect(() => onnx.createState()).toThrow(/no state inputs/);
        return;
      }
      // One state per recurrent layer, two for an LSTM (h and c).
      const expected = model.layers.reduce(
        (n, l) => n + ({ LSTM: 2, GRU: 1, ResetAfterGRU: 1, SimpleRNN: 1 }[l.getClassName()] ?? 0),
        0,
      );
      expect(states).toBe(expected);
      const input = embeddings(SEQUENCE, 2);
      const ours = onnx.createState();
      const theirs = reference.createState();
      try {
        // Uneven chunks, labels at uneven places, as a stream's batches come.
        for (const [from, to, emitAt] of [
          [0, 4, [3]],
          [4, 11, [0, 2, 6]],
          [11, 12, []],
          [12, 23, [1, 10]],
        ] as [number, number, number[]][]) {
          const chunk = input.subarray(from * EMBEDDING, to * EMBEDDING);
          expectClose(
            await onnx.step(ours, chunk, to - from, emitAt),
            reference.step(theirs, chunk, to - from, emitAt),
          );
        }
        ours.toArrays().forEach((layer, i) => {
          const values = Float32Array.from(layer[0]!);
          const mine = theirs.toArrays().flat()[i]!;
          expectClose(values, Float32Array.from(mine));
        });
      } finally {
        ours.dispose();
        theirs.dispose();
      }
    });

    it("hands a stream's state over both ways: a checkpoint of one head resumes on the other", async () => {
      if (states === 0) return;
      const input = embeddings(SEQUENCE, 3);
      const half = 11;
      const first = input.subarray(0, half * EMBEDDING);
      const rest = input.subarray(half * EMBEDDING);
      const emitAt = [0, 5, SEQUENCE - half - 1];
      const start = reference.createState();
      const startOnnx = onnx.createState();
      try {
        reference.step(start, first, half, []);
        await onnx.step(startOnnx, first, half, []);
        const again = reference.restoreState(start.toArrays());
        const expected = reference.step(again, rest, SEQUENCE - half, emitAt);
        again.dispose();
        // TensorFlow.js' checkpoint (per layer) resumed on ONNX Runtime, and the other way.
        const onOnnx = onnx.restoreState(start.toArrays());
        const onTfjs = reference.restoreState(startOnnx.toArrays());
        try {
          expectClose(await onnx.step(onOnnx, rest, SEQUENCE - half, emitAt), expected);
          expectClose(reference.step(onTfjs, rest, SEQUENCE - half, emitAt), expected);
        } finally {
          onOnnx.dispose();
          onTfjs.dispose();
        }
        expect(() => onnx.restoreState([[[1, 2]]])).toThrow(/does not fit/);
        expect(() => reference.restoreState([[[1, 2]]])).toThrow(/does not fit/);
      } finally {
        start.dispose();
        startOnnx.dispose();
      }
    });
  });

  it('refuses a head layer it has no translation for, naming it', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.inputLayer({ inputShape: [null, EMBEDDING] }),
        tf.layers.lstm({ units: 4, goBackwards: true, name: 'backwards' }),
        softmax(),
      ],
    });
    try {
      expect(() => translateHead(headLayers(model), EMBEDDING, CLASSES)).toThrow(
        /^layer backwards \(LSTM\) has no ONNX translation: it reads the sequence backwards \(go_backwards\)$/,
      );
    } finally {
      model.dispose();
    }
  });
});
