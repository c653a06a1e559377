import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '../../src/model/run/backend.js';
import { bundledModelDir } from '../../src/model/load/bundled-model.js';
import { directoryLoader } from '../../src/model/load/model-files.js';
import { renderShots } from '../support/render-shots.js';
import type { SeedModelOptions } from '../../src/train/seed-model.js';
import { parseJsonLines, runCli } from '../support/cli.js';
import { predictScores, saveSeedModel, sequenceScores } from '../support/models.js';
import { decodeReference, makeVideo } from '../support/videos.js';
import type { LabelRecord } from '../../src/output/jsonl-sink.js';

/** Frame size of the test models and video: the video is lossless at the model's size. */
const SIZE = 32;
const FPS = 10;
const N = 4;
const SHAPE = { height: SIZE, width: SIZE, channels: 3 };
const CLASSES = ['calm', 'busy', 'other'];

const HEADS: [string, SeedModelOptions][] = [
  ['LSTM', { recurrent: 'lstm', recurrentUnits: [16] }],
  ['GRU', { recurrent: 'gru', recurrentUnits: [16] }],
  ['stacked LSTM', { recurrent: 'lstm', recurrentUnits: [16, 8] }],
];

function expectClose(actual: readonly number[], expected: Float32Array): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-4));
}

describe('framewise label scores equal the whole model', () => {
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

  describe.each(HEADS)('%s head', (_name, head) => {
    let dir: string;
    let model: tf.LayersModel;

    beforeAll(async () => {
      ({ dir, model } = await saveSeedModel(
        { ...head, height: SIZE, width: SIZE, timeSteps: N, classes: 3, seed: 7 },
        { classNames: CLASSES },
      ));
    });

    it.each([1, 3])('window mode, stride %i', async (stride) => {
      const { code, stdout, stderr } = await runCli([
        'label',
        video,
        '--model',
        dir,
        '--stride',
        String(stride),
        '--format',
        'jsonl',
      ]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const labels = parseJsonLines<LabelRecord>(stdout);
      const expectedEnds = Array.from({ length: frames.length }, (_, f) => f).filter(
        (f) => f >= N - 1 && (f - (N - 1)) % stride === 0,
      );
      expect(labels.map((l) => l.frame)).toEqual(expectedEnds);
      for (const label of labels) {
        expect(label.start).toBe(label.frame - N + 1);
        expect(label.t).toBeCloseTo(label.frame / FPS, 6);
        const expected = predictScores(model, frames.slice(label.start, label.frame + 1), SHAPE);
        expectClose(label.scores, expected);
        const best = label.scores.indexOf(Math.max(...label.scores));
        expect(label.label).toBe(best);
        expect(label.name).toBe(CLASSES[best]);
        expect(label.score).toBe(label.scores[best]);
      }
    });

    it('stateful mode equals the recurrent layers run over the whole sequence', async () => {
      const stride = 2;
      const { code, stdout } = await runCli([
        'label',
        video,
        '--model',
        dir,
        '--mode',
        'stateful',
        '--stride',
        String(stride),
        '--batch',
        '5',
      ]);
      expect(code).toBe(0);
      const labels = parseJsonLines<LabelRecord>(stdout);
      expect(labels.map((l) => l.frame)).toEqual([3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]);
      for (const label of labels) {
        expect(label.start).toBe(0);
        expect(label.t).toBeCloseTo(label.frame / FPS, 6);
        expectClose(label.scores, sequenceScores(model, frames.slice(0, label.frame + 1), SHAPE));
      }
    });
  });
});

/**
 * The bundled demo model holds a designed change layer whose weights reach 10⁴ and cancel in
 * float32: folding must not move its scores.
 */
describe('the bundled demo model, folded, equals the whole model', () => {
  const DEMO = { height: 99, width: 99, channels: 3 };
  let model: tf.LayersModel;
  let video: string;
  let frames: Uint8Array[];

  beforeAll(async () => {
    await useBackend('cpu');
    model = await tf.loadLayersModel(directoryLoader(bundledModelDir()));
    const dir = await mkdtemp(join(tmpdir(), 'framewise-demo-exact-'));
    video = await renderShots({
      out: join(dir, 'cut.mkv'),
      shots: [
        { source: 'testsrc2', seconds: 0.6 },
        { source: 'mandelbrot', seconds: 0.6 },
      ],
      width: 99,
      height: 99,
      fps: 25,
      codec: 'png',
    });
    frames = decodeReference(video, { width: 99, height: 99 });
    expect(frames).toHaveLength(30);
  });

  it('in window mode, and it labels the windows across the cut `cut`', async () => {
    const { code, stdout } = await runCli(['label', video, '--format', 'jsonl']);
    expect(code).toBe(0);
    const labels = parseJsonLines<LabelRecord>(stdout);
    expect(labels).toHaveLength(30 - N + 1);
    for (const label of labels) {
      const expected = predictScores(model, frames.slice(label.start, label.frame + 1), DEMO);
      expectClose(label.scores, expected);
    }
    // The cut is between frames 14 and 15: windows ending on 15 to 17 hold both.
    const cuts = labels.filter((l) => l.name === 'cut').map((l) => l.frame);
    expect(cuts.length).toBeGreaterThan(0);
    expect(cuts.every((f) => f >= 15 && f <= 17)).toBe(true);
  });

  it('in stateful mode', async () => {
    const { code, stdout } = await runCli(['label', video, '--mode', 'stateful', '--stride', '3']);
    expect(code).toBe(0);
    for (const label of parseJsonLines<LabelRecord>(stdout)) {
      expectClose(label.scores, sequenceScores(model, frames.slice(0, label.frame + 1), DEMO));
    }
  });
});
