import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOnnxModel, type OnnxModel } from '../../src/model/load-onnx-model.js';
import { readFramewiseJson } from '../../src/model/load/framewise-config.js';
import type { LabelRecord } from '../../src/output/jsonl-sink.js';
import { parseJsonLines, runCli } from '../support/cli.js';
import {
  exportPytorchModel,
  PYTORCH_MODEL,
  pytorchMissing,
  pytorchReference,
  type PytorchReference,
} from '../support/pytorch-model.js';
import {
  deletePrefix,
  freshPrefix,
  readStream,
  REDIS_URL,
  startWorker,
  waitFor,
} from '../support/queue.js';
import { renderShots } from '../support/render-shots.js';
import { decodeReference } from '../support/videos.js';

const { side: SIDE, window: N, classNames: CLASSES } = PYTORCH_MODEL;
const FPS = 10;

function expectClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-4));
}

/** How far the first class's score moves over a run of labels: more than the tolerance. */
function spread(scores: readonly (readonly number[])[]): number {
  const first = scores.map((s) => s[0]!);
  return Math.max(...first) - Math.min(...first);
}

if (pytorchMissing !== undefined) {
  console.warn(`skipping the ONNX model directory tests: ${pytorchMissing}`);
}

describe.skipIf(pytorchMissing !== undefined)(
  'an ONNX model directory exported from PyTorch labels as PyTorch computes',
  () => {
    let dir: string;
    let video: string;
    let frames: Uint8Array[];
    let reference: PytorchReference;

    beforeAll(async () => {
      dir = await exportPytorchModel();
      const out = await mkdtemp(join(tmpdir(), 'framewise-pytorch-video-'));
      // Two different shots, lossless at the model's size: the frames the model sees are exact.
      video = await renderShots({
        out: join(out, 'shots.mkv'),
        shots: [
          { source: 'testsrc2', seconds: 1.2 },
          { source: 'mandelbrot', seconds: 1.2 },
        ],
        width: SIDE,
        height: SIDE,
        fps: FPS,
      });
      frames = decodeReference(video, { width: SIDE, height: SIDE });
      expect(frames).toHaveLength(24);
      reference = await pytorchReference(frames);
      expect(spread(reference.windows)).toBeGreaterThan(1e-2);
    }, 120_000);

    it.each([1, 3])(
      'window mode, stride %i: each label equals PyTorch within 1e-4',
      async (stride) => {
        const { code, stdout, stderr } = await runCli([
          ...['label', video, '--model', dir, '--stride', String(stride), '--format', 'jsonl'],
        ]);
        expect(stderr).toBe('');
        expect(code).toBe(0);
        const labels = parseJsonLines<LabelRecord>(stdout);
        const ends = Array.from({ length: frames.length }, (_, f) => f).filter(
          (f) => f >= N - 1 && (f - (N - 1)) % stride === 0,
        );
        expect(labels.map((l) => l.frame)).toEqual(ends);
        for (const label of labels) {
          expect(label.start).toBe(label.frame - N + 1);
          expectClose(label.scores, reference.windows[label.frame - (N - 1)]!);
          expect(label.name).toBe(CLASSES[label.label]);
        }
      },
    );

    it('stateful mode: each label equals PyTorch run over every frame so far', async () => {
      const { code, stdout, stderr } = await runCli([
        ...['label', video, '--model', dir, '--mode', 'stateful', '--stride', '2', '--batch', '5'],
        '--stats',
      ]);
      expect(code, stderr).toBe(0);
      const labels = parseJsonLines<LabelRecord>(stdout);
      expect(labels.map((l) => l.frame)).toEqual([3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]);
      for (const label of labels) {
        expect(label.start).toBe(0);
        expectClose(label.scores, reference.stateful[label.frame - (N - 1)]!);
      }
      expect(spread(labels.map((l) => l.scores))).toBeGreaterThan(1e-2);
      const stats = JSON.parse(stderr.trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(stats).toMatchObject({ engine: 'onnx', frames: 24 });
    });

    it('a worker labels it into the job stream, stateful, as PyTorch computes', async () => {
      const redis = new Redis(REDIS_URL);
      const prefix = freshPrefix();
      const worker = await startWorker(
        ['--media-root', dirname(video), '--model', dir, '--concurrency', '2', '--batch', '4'],
        { REDIS_URL, FRAMEWISE_PREFIX: prefix },
      );
      const queue = new Queue('videos', { connection: { url: REDIS_URL }, prefix });
      try {
        const [stateful, windowed] = await queue.addBulk([
          { name: 'label', data: { url: video, mode: 'stateful' } },
          { name: 'label', data: { url: video, stride: 1 } },
        ]);
        await waitFor(
          async () =>
            (await queue.getJobState(stateful!.id!)) === 'completed' &&
            (await queue.getJobState(windowed!.id!)) === 'completed',
          60_000,
        );
        for (const [job, expected] of [
          [stateful!, reference.stateful],
          [windowed!, reference.windows],
        ] as const) {
          const entries = await readStream(redis, `${prefix}:labels:${job.id}`);
          expect(entries.map(([, f]) => Number(f.frame))).toEqual(
            expected.map((_, i) => i + N - 1),
          );
          entries.forEach(([, f], i) =>
            expectClose(JSON.parse(f.scores!) as number[], expected[i]!),
          );
        }
        const loaded = worker.logs.find((l) => l.msg === 'model loaded');
        expect(loaded).toMatchObject({ engine: 'onnx' });
      } finally {
        await queue.close();
        await worker.stop();
        await deletePrefix(redis, prefix);
        redis.disconnect();
      }
    });

    it('a stream state saved and restored goes on as if never stopped (worker checkpoints)', async () => {
      const model: OnnxModel = await loadOnnxModel(dir, await readFramewiseJson(dir), {
        threads: 1,
      });
      try {
        const embeddings = await model.encoder.encode(frames);
        const d = model.head.embeddingSize;
        const whole = model.head.createState();
        const all = await model.head.step(whole, embeddings, frames.length, [9, 23]);
        const first = model.head.createState();
        await model.head.step(first, embeddings.subarray(0, 12 * d), 12, [9]);
        const saved = JSON.parse(JSON.stringify(first.toArrays())) as number[][][];
        const restored = model.head.restoreState(saved);
        const rest = await model.head.step(restored, embeddings.subarray(12 * d), 12, [11]);
        expectClose(Array.from(rest), Array.from(all.subarray(2)));
        expectClose(Array.from(all.subarray(2)), reference.stateful[23 - (N - 1)]!);
        expect(() => model.head.restoreState([[[1, 2]]])).toThrow(/does not fit/);
      } finally {
        model.dispose();
      }
    });

    describe('refusals', () => {
      let bad: string;

      beforeAll(async () => {
        bad = await mkdtemp(join(tmpdir(), 'framewise-onnx-bad-'));
      });

      afterAll(async () => {
        await rm(bad, { recursive: true, force: true });
      });

      /** A copy of the model directory with framewise.json changed by `edit`. */
      async function variant(name: string, edit: (json: Record<string, unknown>) => void) {
        const copy = join(bad, name);
        await cp(dir, copy, { recursive: true });
        const json = JSON.parse(await readFile(join(copy, 'framewise.json'), 'utf8')) as Record<
          string,
          unknown
        >;
        edit(json);
        await writeFile(join(copy, 'framewise.json'), JSON.stringify(json));
        return copy;
      }

      it('--engine tfjs is refused: an ONNX directory runs on ONNX Runtime only', async () => {
        const { code, stdout, stderr } = await runCli([
          ...['label', video, '--model', dir, '--engine', 'tfjs'],
        ]);
        expect(code).toBe(2);
        expect(stdout).toBe('');
        expect(stderr).toMatch(/is an ONNX model directory, which runs on ONNX Runtime only/);
      });

      it.each<[string, (json: Record<string, unknown>) => void, RegExp]>([
        [
          'a path outside the directory',
          (j) => (j.encoder = '../encoder.onnx'),
          /encoder must be the name of a file beside framewise.json/,
        ],
        [
          'a missing file',
          (j) => (j.head = 'nothing.onnx'),
          /head .*nothing\.onnx cannot be read \(ENOENT\)/,
        ],
        [
          'frames of the wrong size',
          (j) => ((j.input as Record<string, unknown>).height = 64),
          /first input of .*encoder\.onnx has shape .*expects float32 \["\*",3,64,48\]/,
        ],
        [
          'the wrong layout',
          (j) => ((j.input as Record<string, unknown>).layout = 'nhwc'),
          /first input of .*encoder\.onnx/,
        ],
        [
          'an unknown layout',
          (j) => ((j.input as Record<string, unknown>).layout = 'chw'),
          /input\.layout must be "nchw" or "nhwc"/,
        ],
        [
          'too many class names',
          (j) => (j.classNames = ['a', 'b', 'c']),
          /classNames names 3 classes but head\.onnx gives 2/,
        ],
        [
          'the encoder as head',
          (j) => (j.head = 'encoder.onnx'),
          /first input of .*encoder\.onnx has shape/,
        ],
      ])('%s is refused with exit 2, naming it', async (name, edit, message) => {
        const copy = await variant(name.replaceAll(' ', '-'), edit);
        const { code, stdout, stderr } = await runCli(['label', video, '--model', copy]);
        expect(code).toBe(2);
        expect(stdout).toBe('');
        expect(stderr).toMatch(message);
      });

      it('a head exported without its state labels windows, and refuses stateful mode', async () => {
        const stateless = await exportPytorchModel({ stateless: true });
        const windows = await runCli(['label', video, '--model', stateless, '--format', 'jsonl']);
        expect(windows.code, windows.stderr).toBe(0);
        const labels = parseJsonLines<LabelRecord>(windows.stdout);
        expect(labels).toHaveLength(reference.windows.length);
        labels.forEach((label, i) => expectClose(label.scores, reference.windows[i]!));
        const stateful = await runCli(['label', video, '--model', stateless, '--mode', 'stateful']);
        expect(stateful.code).toBe(2);
        expect(stateful.stdout).toBe('');
        expect(stateful.stderr).toMatch(
          /head\.onnx has no state inputs .* it cannot run in stateful mode; use --mode window/,
        );
      });

      it('train --init refuses it, saying what it is', async () => {
        await writeFile(join(bad, 'labels.csv'), `video,start,end,label\n${video},0,2.4,still\n`);
        const { code, stderr } = await runCli([
          ...['train', '--data', bad, '--init', dir, '--out', join(bad, 'out')],
        ]);
        expect(code).toBe(2);
        expect(stderr).toMatch(/is an ONNX model directory: label, worker and evaluate run it/);
      });
    });
  },
);
