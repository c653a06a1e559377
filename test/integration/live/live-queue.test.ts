import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { LiveStreamServer } from '../../support/live-stream-server.js';
import { saveSeedModel } from '../../support/models.js';
import {
  deletePrefix,
  freshPrefix,
  readStream,
  REDIS_URL,
  startWorker,
  waitFor,
} from '../../support/queue.js';
import { ffmpegProcessesRunning } from '../../support/videos.js';

describe('a live job in the queue', () => {
  const server = new LiveStreamServer();
  const redis = new Redis(REDIS_URL);
  const prefix = freshPrefix();
  const env = { REDIS_URL, FRAMEWISE_PREFIX: prefix };
  let model: string;

  beforeAll(async () => {
    await server.start();
    ({ dir: model } = await saveSeedModel({ height: 24, width: 24 }));
  });

  afterAll(async () => {
    await server.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it(
    'records an outage as a gap marker, survives a worker crash with one more, and ends by cancel',
    { timeout: 120_000 },
    async () => {
      const args = [
        '--allow-private',
        '--model',
        model,
        '--lock-duration',
        '2000',
        '--stalled-interval',
        '1000',
        '--checkpoint-interval',
        '300',
      ];
      const markA = `${process.pid}-live-a`;
      const first = await startWorker(
        args,
        { ...env, FRAMEWISE_TEST_OWNER: markA },
        { detached: true },
      );
      const added = await runCli(
        ['enqueue', server.url, '--live', '--allow-private', '--mode', 'stateful', '--stride', '5'],
        env,
      );
      expect(added.code).toBe(0);
      const jobId = added.stdout.trim();
      const key = `${prefix}:labels:${jobId}`;
      const entries = () => readStream(redis, key);
      const gaps = async () => (await entries()).filter(([, f]) => f.gap !== undefined);

      await waitFor(async () => (await entries()).length >= 10, 30_000);
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, 4000));
      await server.start();
      await waitFor(
        async () => (await gaps()).length === 1 && (await entries()).length >= 25,
        40_000,
      );

      // Progress counts the outage too (and frames dropped, none here: the model keeps up).
      const progress = async () =>
        (JSON.parse((await runCli(['status', jobId], env)).stdout) as { progress: unknown })
          .progress as { gaps: number; dropped: number };
      await waitFor(async () => (await progress()).gaps === 1, 10_000);
      expect((await progress()).dropped).toBe(0);

      process.kill(-first.child.pid!, 'SIGKILL');
      await first.exited;
      await waitFor(() => ffmpegProcessesRunning(markA) === 0, 5000);
      const beforeTakeover = (await entries()).length;
      const second = await startWorker(args, env);
      try {
        await waitFor(
          async () =>
            (await gaps()).length === 2 && (await entries()).length >= beforeTakeover + 10,
          40_000,
        );
        expect(second.logs.some((l) => l.msg === 'resuming from a checkpoint')).toBe(true);
        const cancelled = await runCli(['cancel', jobId], env);
        expect(JSON.parse(cancelled.stdout)).toMatchObject({ state: 'failed' });
      } finally {
        await second.stop();
      }

      const all = await entries();
      const ids = all.map(([id]) => id.split('-').map(Number) as [number, number]);
      ids
        .slice(1)
        .forEach(([ms, seq], i) =>
          expect(ms * 10 + seq).toBeGreaterThan(ids[i]![0] * 10 + ids[i]![1]),
        );
      const [outage, takeover] = await gaps();
      expect(Number(outage![1].gap)).toBeGreaterThan(3);
      expect(Number(takeover![1].gap)).toBeGreaterThan(0);
      const labels = all.filter(([, f]) => f.label !== undefined);
      expect(labels.every(([, f]) => Number(f.latencyMs) >= 0)).toBe(true);
      const queue = new Queue('videos', { connection: { url: REDIS_URL }, prefix });
      expect((await queue.getJob(jobId))?.failedReason).toMatch(/cancelled/);
      await queue.close();
    },
  );
});
