import { copyFile, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { saveSeedModel } from '../../support/models.js';
import {
  deletePrefix,
  freshPrefix,
  REDIS_URL,
  startWorker,
  waitFor,
  type WorkerProcess,
} from '../../support/queue.js';
import { makeVideo } from '../../support/videos.js';

describe('URL policy: enqueue and worker refuse the same inputs', () => {
  const prefix = freshPrefix();
  const redis = new Redis(REDIS_URL);
  const env = { REDIS_URL, FRAMEWISE_PREFIX: prefix };
  let root: string;
  let video: string;
  let worker: WorkerProcess;
  let queue: Queue;
  const refused: [string, () => string][] = [];

  beforeAll(async () => {
    video = await makeVideo({
      source: 'testsrc2',
      width: 32,
      height: 32,
      fps: 10,
      seconds: 1,
      codec: 'h264-mp4',
    });
    root = await mkdtemp(join(tmpdir(), 'framewise-media-'));
    await writeFile(join(root, 'ok.txt'), 'not a video');
    await symlink(video, join(root, 'escape.mp4'));
    await copyFile(video, join(root, 'inside.mp4'));
    const { dir: model } = await saveSeedModel({ height: 16, width: 16 });
    worker = await startWorker(['--media-root', root, '--model', model], env);
    queue = new Queue('videos', { connection: { url: REDIS_URL }, prefix });
  });

  afterAll(async () => {
    await worker?.stop();
    await queue?.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  refused.push(
    ['file:///etc/passwd', () => 'file:///etc/passwd'],
    ['a path outside the media root', () => video],
    ['a path escaping the root with ..', () => join(root, '..', dirname(video).slice(1), 'x.mp4')],
    ['a symlink out of the root', () => join(root, 'escape.mp4')],
    ['http://127.0.0.1:…', () => 'http://127.0.0.1:8080/v.mp4'],
    ['http://[::1]/…', () => 'http://[::1]/v.mp4'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a host name resolving to a loopback address', () => 'http://localhost:8080/v.mp4'],
    ['concat:', () => `concat:${video}|${video}`],
    ['subfile:', () => `subfile:,,start,0,end,0,:${video}`],
    ['data:', () => 'data:text/plain;base64,aGk='],
    ['-i', () => '-i'],
  );

  it.each(refused)(
    '%s: enqueue exits 2; added straight to the queue it fails once, same reason',
    async (_name, input) => {
      const url = input();
      const enqueue = await runCli(['enqueue', '--media-root', root, '--', url], env);
      expect(enqueue.code).toBe(2);
      expect(enqueue.stdout).toBe('');
      const reason = enqueue.stderr.trim().replace(/^framewise enqueue: /, '');
      expect(reason).toMatch(/refused|outside|not allowed|media root/i);

      const job = await queue.add(
        'label',
        { url },
        { attempts: 3, backoff: { type: 'fixed', delay: 10 } },
      );
      await waitFor(async () => (await job.getState()) === 'failed');
      const failed = await queue.getJob(job.id!);
      expect(failed?.attemptsMade).toBe(1);
      expect(failed?.failedReason).toBe(reason);
    },
  );

  it('the worker keeps serving after refusing', async () => {
    const ok = await runCli(['enqueue', '--media-root', root, '--wait', join(root, 'ok.txt')], env);
    // A text file is not a video: a permanent failure, reported, not retried.
    expect(ok.code).toBe(1);
    expect(ok.stderr).toMatch(/not a video/i);
    expect(worker.child.exitCode).toBeNull();
    const good = await runCli(
      ['enqueue', '--media-root', root, '--wait', join(root, 'inside.mp4')],
      env,
    );
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ frames: 10, windows: 7 });
    const counts = await queue.getJobCounts('failed', 'completed', 'active', 'waiting');
    expect((counts.active ?? 0) + (counts.waiting ?? 0)).toBe(0);
  });
});
