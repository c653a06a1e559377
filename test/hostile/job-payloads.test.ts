import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveSeedModel } from '../support/models.js';
import {
  deletePrefix,
  freshPrefix,
  readStream,
  REDIS_URL,
  startWorker,
  waitFor,
  type WorkerProcess,
} from '../support/queue.js';
import { ffmpegProcessesRunning, makeVideo } from '../support/videos.js';

/**
 * Jobs any client can add straight to the queue, bypassing `enqueue`'s checks: each fails for
 * good at its first attempt with a clear reason, the worker keeps serving (a good job added
 * after them completes), no log line grows with the payload, no ffmpeg is left behind.
 */
describe('hostile job payloads added straight to the queue', () => {
  const prefix = freshPrefix();
  const redis = new Redis(REDIS_URL);
  let worker: WorkerProcess;
  let queue: Queue;
  let root: string;
  let video: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'framewise-hostile-media-'));
    const made = await makeVideo({
      source: 'testsrc2',
      width: 32,
      height: 32,
      fps: 10,
      seconds: 1,
      codec: 'h264-mp4',
    });
    video = join(root, 'good.mp4');
    await copyFile(made, video);
    for (const seconds of [2, 3]) {
      const longer = await makeVideo({
        source: 'testsrc2',
        width: 32,
        height: 32,
        fps: 10,
        seconds,
        codec: 'h264-mp4',
      });
      await copyFile(longer, join(root, `${seconds}s.mp4`));
    }
    // Outside the media root: a playlist under it must not make ffmpeg read this.
    const secret = await makeVideo({
      source: 'mandelbrot',
      width: 32,
      height: 32,
      fps: 10,
      seconds: 2,
      codec: 'h264-ts',
    });
    await writeFile(
      join(root, 'clip.mp4'),
      `#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:2.0,\n${secret}\n#EXT-X-ENDLIST\n`,
    );
    const { dir: model } = await saveSeedModel({ height: 16, width: 16 });
    worker = await startWorker(
      [
        ...['--media-root', root, '--model', model],
        ...['--max-input-seconds', '2.5', '--max-frames', '15'],
      ],
      {
        REDIS_URL,
        FRAMEWISE_PREFIX: prefix,
      },
    );
    queue = new Queue('videos', { connection: { url: REDIS_URL }, prefix });
  });

  afterAll(async () => {
    await worker?.stop();
    await queue?.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  const cases: [string, () => Record<string, unknown>, RegExp][] = [
    [
      'a 100,000-character url',
      () => ({ url: 'a'.repeat(100_000) }),
      /job data is \d+ bytes of JSON|at most 8192 characters/,
    ],
    [
      'a payload of 1 MB',
      () => ({ url: video, pad: 'x'.repeat(1 << 20) }),
      /job data is \d+ bytes of JSON; a job takes at most 16384/,
    ],
    [
      'window 1e21',
      () => ({ url: video, window: 1e21 }),
      /window must be an integer >= 1 and <= 1024/,
    ],
    [
      'start 1e300',
      () => ({ url: video, start: 1e300 }),
      /start must be a number >= 0 and <= 10000000/,
    ],
    [
      'duration 1e-10',
      () => ({ url: video, duration: 1e-10 }),
      /duration must be a number >= 0\.001/,
    ],
    ['fps 1e9', () => ({ url: video, fps: 1e9 }), /fps must be a number >= 0\.001 and <= 1000/],
    [
      'a playlist under the media root naming a file outside it',
      () => ({ url: join(root, 'clip.mp4') }),
      /input is not a video: .*clip\.mp4 \(its format is hls/,
    ],
    [
      'a url full of control characters',
      () => ({ url: `${video}\n{"forged":"log line"}` }),
      /control character/,
    ],
  ];

  it.each([
    [
      'a file longer than --max-input-seconds',
      '3s.mp4',
      /input is too long: the part of .*3s\.mp4 to label lasts 3(\.\d+)? s, and this run takes at most 2\.5 s/,
    ],
    [
      'a file of more frames than --max-frames',
      '2s.mp4',
      /input is too long: .*2s\.mp4 has more than 15 frames/,
    ],
  ])('%s fails for good at the first attempt', async (_name, file, reason) => {
    const job = await queue.add('label', { url: join(root, file) }, { attempts: 3 });
    await waitFor(async () => (await queue.getJobState(job.id!)) === 'failed', 30_000);
    const failed = await queue.getJob(job.id!);
    expect(failed!.attemptsMade).toBe(1);
    expect(failed!.failedReason, failed!.failedReason).toMatch(reason);
  });

  it.each(cases)('%s fails for good at the first attempt', async (_name, data, reason) => {
    const job = await queue.add('label', data(), {
      attempts: 3,
      backoff: { type: 'fixed', delay: 100 },
    });
    await waitFor(async () => (await queue.getJobState(job.id!)) === 'failed', 30_000);
    const failed = await queue.getJob(job.id!);
    expect(failed!.attemptsMade).toBe(1);
    expect(failed!.failedReason, failed!.failedReason).toMatch(reason);
    expect(failed!.failedReason.length).toBeLessThan(1000);
    expect(await readStream(redis, `${prefix}:labels:${job.id}`)).toEqual([]);
  });

  it('the worker still serves: a good job after them completes; its logs stay short', async () => {
    const job = await queue.add('label', { url: video });
    await waitFor(async () => (await queue.getJobState(job.id!)) === 'completed', 30_000);
    expect((await readStream(redis, `${prefix}:labels:${job.id}`)).length).toBeGreaterThan(0);
    expect(worker.child.exitCode).toBeNull();
    const longest = Math.max(...worker.logs.map((line) => JSON.stringify(line).length));
    expect(longest).toBeLessThan(4096);
    expect(ffmpegProcessesRunning()).toBe(0);
  });
});
