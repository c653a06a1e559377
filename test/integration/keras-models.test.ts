import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/model/run/backend.js';
import { loadModel, type LoadedModel } from '../../src/model/load-model.js';
import { parseJsonLines, runCli } from '../support/cli.js';
import { readFixtureWeights } from '../support/fixture-weights.js';
import { embed, predictWindow, sequenceScores } from '../support/keras-reference.js';
import { denseSoftmax, gruSequence, type GruWeights } from '../support/keras-gru-reference.js';
import { decodeReference, makeVideo } from '../support/videos.js';

interface LabelLine {
  frame: number;
  start: number;
  scores: number[];
}

/** The fixtures of scripts/make-keras-fixtures.ts, all made for 16×16 RGB frames. */
const FIXTURES = fileURLToPath(new URL('../fixtures/keras/', import.meta.url));
const SIZE = 16;
const FPS = 10;

/** Fixtures that load, with the window framewise takes by default (the model's, else framewise.json's). */
const LOADABLE: [name: string, window: number][] = [
  ['seed-lstm-keras2', 4],
  ['functional-gru-reset-after-keras3', 4],
  ['functional-gru-keras2', 4],
  ['stacked-lstm-keras3', 5],
  ['rescaling-encoder-keras3', 4],
  ['bidirectional-lstm-keras3', 4],
  ['sharded-simple-rnn-keras2', 4],
];

/** Fixtures refused at load, with the layer (or inputs) the message must name. */
const REFUSED: [name: string, names: string][] = [
  ['refused-conv-lstm2d-keras2', 'conv_lstm2d (ConvLSTM2D)'],
  ['refused-attention-keras3', 'attention (Attention)'],
  ['refused-two-inputs-keras3', '2 inputs (input_layer, input_layer_1)'],
  ['refused-lstm-before-td-keras2', 'lstm (LSTM) comes before the TimeDistributed'],
  ['refused-conv3d-keras2', 'conv3d (Conv3D)'],
];

function expectClose(actual: readonly number[], expected: ArrayLike<number>): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-4));
}

/**
 * The reference of the reset_after GRU fixture, independent of framewise's GRU: embeddings from
 * TensorFlow.js, then the GRU and Dense layers in float64 with the weights read from the files.
 */
function gruReference(loaded: LoadedModel, dir: string) {
  const weights = readFixtureWeights(dir);
  const value = (name: string) => weights.get(name)!.values;
  const gru: GruWeights = {
    kernel: value('gru/gru_cell/kernel'),
    recurrentKernel: value('gru/gru_cell/recurrent_kernel'),
    bias: value('gru/gru_cell/bias'),
    inputSize: weights.get('gru/gru_cell/kernel')!.shape[0]!,
    units: weights.get('gru/gru_cell/recurrent_kernel')!.shape[0]!,
  };
  return (frames: readonly Uint8Array[]): number[] => {
    const embeddings = tf.tidy(() => embed(loaded, frames).arraySync() as number[][]);
    const last = gruSequence(gru, embeddings).at(-1)!;
    return denseSoftmax(last, value('dense/kernel'), value('dense/bias'));
  };
}

describe('Keras models converted by tensorflowjs_converter', () => {
  let video: string;
  let frames: Uint8Array[];

  beforeAll(async () => {
    await useBackend('cpu');
    video = await makeVideo({
      source: 'testsrc2',
      width: SIZE,
      height: SIZE,
      fps: FPS,
      seconds: 2.4,
      codec: 'png-mkv',
    });
    frames = decodeReference(video, { width: SIZE, height: SIZE });
    expect(frames).toHaveLength(24);
  });

  describe.each(LOADABLE)('%s', (name, window) => {
    const dir = join(FIXTURES, name);
    let loaded: LoadedModel;
    let reference: (frames: readonly Uint8Array[]) => ArrayLike<number>;

    beforeAll(async () => {
      loaded = await loadModel(dir);
      reference =
        name === 'functional-gru-reset-after-keras3'
          ? gruReference(loaded, dir)
          : (window) => predictWindow(loaded, window);
    });
    afterAll(() => loaded.dispose());

    it('loads every weight of model.json into the model', () => {
      const fromFiles = [...readFixtureWeights(dir).values()].map((w) =>
        Array.from(w.values).join(),
      );
      const inModel = loaded.model.weights.map((w) => Array.from(w.read().dataSync()).join());
      expect(inModel.sort()).toEqual(fromFiles.sort());
    });

    it.concurrent.each([1, 2])('window mode, stride %i, equals the whole model', async (stride) => {
      const args = ['label', video, '--model', dir, '--stride', String(stride)];
      const { code, stdout, stderr } = await runCli(args);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const labels = parseJsonLines<LabelLine>(stdout);
      const ends = frames
        .map((_, f) => f)
        .filter((f) => f >= window - 1 && (f - window + 1) % stride === 0);
      expect(labels.map((l) => l.frame)).toEqual(ends);
      for (const label of labels) {
        expect(label.start).toBe(label.frame - window + 1);
        expectClose(label.scores, reference(frames.slice(label.start, label.frame + 1)));
      }
    });

    it('stateful mode equals the recurrent layers run over the whole sequence', async () => {
      const args = [
        'label',
        video,
        '--model',
        dir,
        '--mode',
        'stateful',
        '--stride',
        '2',
        '--batch',
        '5',
      ];
      const { code, stdout, stderr } = await runCli(args);
      if (name.startsWith('bidirectional')) {
        expect(code).toBe(2);
        expect(stderr.trim()).toMatch(
          /Bidirectional layer bidirectional reads the window backwards too; it cannot run in stateful mode; use --mode window$/,
        );
        return;
      }
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const labels = parseJsonLines<LabelLine>(stdout);
      expect(labels.map((l) => l.frame)).toEqual(
        frames.map((_, f) => f).filter((f) => f >= window - 1 && (f - window + 1) % 2 === 0),
      );
      for (const label of labels) {
        const seen = frames.slice(0, label.frame + 1);
        const expected =
          name === 'functional-gru-reset-after-keras3'
            ? reference(seen)
            : sequenceScores(loaded, seen);
        expectClose(label.scores, expected);
      }
    });
  });

  it.concurrent.each(REFUSED)('refuses %s at load, exit 2, naming %s', async (name, names) => {
    const { code, stdout, stderr } = await runCli([
      'label',
      video,
      '--model',
      join(FIXTURES, name),
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(names);
    expect(lines[0]).toContain('framewise supports');
  });
});
