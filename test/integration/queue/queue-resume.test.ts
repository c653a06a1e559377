import { dirname } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundledModelDir } from '../../../src/model/load/bundled-model.js';
import type { LabelRecord } from '../../../src/output/jsonl-sink.js';
import { parseJsonLines, runCli } from '../../support/cli.js';
import {
  deletePrefix,
  freshPrefix,
  readStream,
  REDIS_URL,
  startWorker,
  waitFor,
  type WorkerProcess,
} from '../../support/queue.js';
import { ffmpegProcessesRunning, makeVideo } from '../../support/videos.js';

describe('a worker killed half-way: another takes the job over and resumes it', () => {
  const redis = new Redis(REDIS_URL);
  let prefix: string;
  let video: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    video = await makeVideo({
      source: 'testsrc2',
      width: 64,
      height: 48,
      fps: 25,
      seconds: 120,
      codec: 'h264-mp4',
    });
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
    await deletePrefix(redis, prefix);
  });

  afterAll(() => {
    redis.disconnect();
  });

  it.each([
    ['window mode, stride 2', ['--stride', '2'], 3000],
    ['stateful mode', ['--mode', 'stateful', '--stride', '3'], 3000],
    // Resampled: the resume seek must land on the same sampled frames, with the same times.
    ['resampled to 20 fps', ['--fps', '20', '--stride', '2'], 2400],
  ] as const)(
    '%s: the stream equals an uninterrupted run, entry for entry',
    { timeout: 180_000 },
    async (_name, labelArgs, frames) => {
      prefix = freshPrefix();
      const env = { REDIS_URL, FRAMEWISE_PREFIX: prefix };
      // Short locks, so that the dead worker's job is found stalled within seconds.
      const fast = [
        '--lock-duration',
        '2000',
        '--stalled-interval',
        '1000',
        '--checkpoint-interval',
        '300',
      ];
      const args = ['--media-root', dirname(video), '--model', bundledModelDir(), ...fast];
      const mark = `${process.pid}-killed`;
      const first = await startWorker(
        args,
        { ...env, FRAMEWISE_TEST_OWNER: mark },
        { detached: true },
      );
      workers.push(first);
      const jobId = (
        await runCli(['enqueue', video, '--media-root', dirname(video), ...labelArgs], env)
      ).stdout.trim();
      const key = `${prefix}:labels:${jobId}`;
      await waitFor(
        async () =>
          (await redis.exists(`${prefix}:checkpoint:${jobId}`)) === 1 &&
          (await readStream(redis, key)).length >= 200,
        60_000,
      );
      // A crash: the worker and its ffmpeg die at once, nothing is cleaned up.
      process.kill(-first.child.pid!, 'SIGKILL');
      await first.exited;
      await waitFor(() => ffmpegProcessesRunning(mark) === 0, 5000);
      const before = (await readStream(redis, key)).length;

      const second = await startWorker(args, env);
      workers.push(second);
      const queue = new Queue('videos', { connection: { url: REDIS_URL }, prefix });
      await waitFor(async () => (await queue.getJobState(jobId)) === 'completed', 120_000);
      const summary = (await queue.getJob(jobId))!.returnvalue as {
        frames: number;
        windows: number;
      };
      await queue.close();

      const resumed = second.logs.find((l) => l.msg === 'resuming from a checkpoint');
      expect(resumed?.resumeFrame as number).toBeGreaterThan(0);

      const local = await runCli(['label', video, '--model', bundledModelDir(), ...labelArgs]);
      const expected = parseJsonLines<LabelRecord>(local.stdout);
      expect(before).toBeLessThan(expected.length);
      const entries = await readStream(redis, key);
      expect(entries.map(([id]) => id)).toEqual(expected.map((l) => `${l.frame}-1`));
      entries.forEach(([, fields], i) => {
        const label = expected[i]!;
        expect(fields.t).toBe(String(label.t));
        expect(fields.start).toBe(String(label.start));
        expect(fields.name).toBe(label.name);
        expect(JSON.parse(fields.scores!) as number[]).toEqual(label.scores);
      });
      expect(summary).toMatchObject({ frames, windows: expected.length });
    },
  );
});
