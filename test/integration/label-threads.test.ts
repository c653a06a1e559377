import { dirname } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LabelRecord } from '../../src/output/jsonl-sink.js';
import { parseJsonLines, runCli } from '../support/cli.js';
import { saveSeedModel } from '../support/models.js';
import {
  deletePrefix,
  freshPrefix,
  readStream,
  REDIS_URL,
  startWorker,
  waitFor,
} from '../support/queue.js';
import { makeVideo } from '../support/videos.js';
import { LiveStreamServer } from '../support/live-stream-server.js';
import { startLiveLabel } from '../support/live-label.js';

/** Labels agree: the same frames, windows and times; scores within 1e-4. */
function expectSameLabels(actual: readonly LabelRecord[], expected: readonly LabelRecord[]): void {
  expect(actual.map((l) => [l.frame, l.start, l.t])).toEqual(
    expected.map((l) => [l.frame, l.start, l.t]),
  );
  let worst = 0;
  actual.forEach((label, i) =>
    label.scores.forEach((score, c) => {
      worst = Math.max(worst, Math.abs(score - expected[i]!.scores[c]!));
    }),
  );
  expect(worst).toBeLessThan(1e-4);
}

describe('the encoder on worker threads gives the labels of the plain path', () => {
  let videos: string[];
  let model: string;

  beforeAll(async () => {
    videos = await Promise.all(
      (['testsrc2', 'mandelbrot'] as const).map((source) =>
        makeVideo({ source, width: 64, height: 48, fps: 25, seconds: 6, codec: 'h264-mp4' }),
      ),
    );
    ({ dir: model } = await saveSeedModel({ height: 32, width: 32 }));
  });

  const label = async (video: string, args: readonly string[]) => {
    const result = await runCli(['label', video, '--model', model, ...args]);
    expect(result.code, result.stderr).toBe(0);
    return parseJsonLines<LabelRecord>(result.stdout);
  };

  it.each([
    ['window mode', ['--stride', '1']],
    ['stateful mode', ['--mode', 'stateful', '--stride', '2']],
  ])('%s: label --threads 2 equals --threads 0 within 1e-4', async (_name, args) => {
    const plain = await label(videos[0]!, ['--threads', '0', '--backend', 'cpu', ...args]);
    const threaded = await label(videos[0]!, ['--threads', '2', ...args]);
    expect(plain.length).toBeGreaterThan(70);
    expectSameLabels(threaded, plain);
  });

  it.each([
    ['a TensorFlow.js encoder thread', 'tfjs', 'batches'],
    ['ONNX Runtime', 'onnx', 'runs'],
  ] as const)(
    'jobs at once in one worker share %s in merged batches; each stream is as label gives it',
    async (_what, engine, merged) => {
      const redis = new Redis(REDIS_URL);
      const prefix = freshPrefix();
      const env = { REDIS_URL, FRAMEWISE_PREFIX: prefix };
      // Three jobs on one thread, in small batches: requests queue up behind the busy thread.
      const worker = await startWorker(
        [
          ...['--media-root', dirname(videos[0]!), '--model', model],
          ...['--concurrency', '3', '--threads', '1', '--batch', '4', '--engine', engine],
        ],
        env,
      );
      const queue = new Queue('videos', { connection: { url: REDIS_URL }, prefix });
      try {
        const inputs = [videos[0]!, videos[1]!, videos[0]!];
        const jobs = await queue.addBulk(
          inputs.map((url) => ({ name: 'label', data: { url, mode: 'stateful' } })),
        );
        await waitFor(
          async () =>
            (await Promise.all(jobs.map((j) => queue.getJobState(j.id!)))).every(
              (state) => state === 'completed',
            ),
          60_000,
        );
        for (const [i, job] of jobs.entries()) {
          const plain = await label(inputs[i]!, [
            '--mode',
            'stateful',
            '--threads',
            '0',
            '--engine',
            'tfjs',
          ]);
          const entries = await readStream(redis, `${prefix}:labels:${job.id}`);
          const streamed = entries.map(([, f]) => ({
            frame: Number(f.frame),
            start: Number(f.start),
            t: Number(f.t),
            scores: JSON.parse(f.scores!) as number[],
          })) as LabelRecord[];
          expectSameLabels(streamed, plain);
        }
        await worker.stop();
        // Every job's frames went through the one shared encoder (merging is its own test).
        const stopped = worker.logs.find((l) => l.msg === 'worker stopped') as
          { encoder: Record<string, number> } | undefined;
        expect(stopped?.encoder.requests).toBeGreaterThanOrEqual(3);
        expect(stopped!.encoder[merged]).toBeLessThanOrEqual(stopped!.encoder.requests!);
      } finally {
        await queue.close();
        await worker.stop();
        await deletePrefix(redis, prefix);
        redis.disconnect();
      }
    },
  );

  it('a live label does not wait for the next frame to come (latency under a frame interval)', async () => {
    // 4 frames/s: a label held back until the next frame arrives would be 250 ms late.
    const camera = new LiveStreamServer({ fps: 4 });
    await camera.start();
    try {
      const run = startLiveLabel(
        camera.url,
        ['--model', model, '--mode', 'stateful', '--threads', '2'],
        `${process.pid}-threads-live`,
      );
      await run.waitForLines(12, 30_000);
      expect(await run.interrupt()).toBe(130);
      const latencies = run.lines().map((l) => l.latencyMs!);
      latencies.sort((a, b) => a - b);
      expect(latencies[Math.floor(latencies.length / 2)]).toBeLessThan(250);
    } finally {
      await camera.stop();
    }
  });
});
