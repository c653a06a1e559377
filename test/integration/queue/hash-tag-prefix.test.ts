import { dirname } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { saveSeedModel } from '../../support/models.js';
import {
  deletePrefix,
  freshPrefix,
  readStream,
  REDIS_URL,
  startWorker,
  type WorkerProcess,
} from '../../support/queue.js';
import { makeVideo } from '../../support/videos.js';

/**
 * Redis Cluster needs every key one Lua script touches in one hash slot; BullMQ's scripts touch
 * several keys of a queue, so its prefix must be a hash tag. This runs the whole path with such
 * a prefix on the machine's single Redis: it proves how keys are built, not a real cluster.
 */
describe('a Redis Cluster hash-tag prefix ({…})', () => {
  const prefix = `{${freshPrefix()}}`;
  const env = { REDIS_URL, FRAMEWISE_PREFIX: prefix };
  const redis = new Redis(REDIS_URL);
  let video: string;
  let model: string;
  let worker: WorkerProcess;

  beforeAll(async () => {
    video = await makeVideo({
      source: 'mandelbrot',
      width: 32,
      height: 32,
      fps: 10,
      seconds: 1,
      codec: 'h264-mp4',
    });
    ({ dir: model } = await saveSeedModel({ height: 16, width: 16 }));
    worker = await startWorker(['--media-root', dirname(video), '--model', model], env);
  });

  afterAll(async () => {
    await worker?.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('enqueue → worker → labels stream → watch and status work, every key under the tag', async () => {
    const done = await runCli(['enqueue', video, '--media-root', dirname(video), '--wait'], env);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const summary = JSON.parse(done.stdout) as { id: string; frames: number; windows: number };
    expect(summary).toMatchObject({ frames: 10, windows: 7 });

    const local = await runCli(['label', video, '--model', model]);
    const watched = await runCli(['watch', summary.id], env);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toBe(local.stdout);
    const entries = await readStream(redis, `${prefix}:labels:${summary.id}`);
    expect(entries).toHaveLength(7);
    const status = JSON.parse((await runCli(['status', summary.id], env)).stdout) as object;
    expect(status).toMatchObject({ id: summary.id, state: 'completed' });

    // Any key naming the test's id, tagged or not: none may have escaped the tag.
    const ours = await redis.keys(`*${prefix.slice(1, -1)}*`);
    // The tag is the text between the first { and }: every key hashes to the tag's slot.
    expect(ours.length).toBeGreaterThan(3);
    for (const key of ours) expect(key.startsWith(`${prefix}:`)).toBe(true);
    expect(ours).toEqual(
      expect.arrayContaining([
        `${prefix}:labels:${summary.id}`,
        `${prefix}:videos:meta`,
        `${prefix}:videos:${summary.id}`,
      ]),
    );
  });

  it("the queue's wait key is a list under the tag, as KEDA's redis scaler reads it", async () => {
    const queue = new Queue('videos', { connection: { url: REDIS_URL }, prefix });
    try {
      await queue.pause();
      await queue.add('label', { url: video }, { jobId: 'keda-probe' });
      const wait = `${prefix}:videos:wait`;
      expect(queue.keys.wait).toBe(wait);
      expect(await redis.type(wait)).toBe('list');
      expect(await redis.llen(wait)).toBe(1);
      await queue.remove('keda-probe');
    } finally {
      await queue.resume();
      await queue.close();
    }
  });
});
