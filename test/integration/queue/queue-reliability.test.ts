import { dirname } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundledModelDir } from '../../../src/model/load/bundled-model.js';
import { runCli } from '../../support/cli.js';
import { freePort } from '../../support/free-port.js';
import { startPrivateRedis } from '../../support/private-redis.js';
import {
  deletePrefix,
  freshPrefix,
  readStream,
  REDIS_URL,
  startWorker,
  waitFor,
  type WorkerProcess,
} from '../../support/queue.js';
import { ffmpegProcessIds, ffmpegProcessesRunning, makeVideo } from '../../support/videos.js';

/** Frames of the long video: enough for a job to be caught half-way on a busy machine. */
const FRAMES = 3000;

describe('queue reliability', () => {
  const redis = new Redis(REDIS_URL);
  let prefix: string;
  let video: string;
  let queue: Queue;
  const workers: WorkerProcess[] = [];

  const env = () => ({ REDIS_URL, FRAMEWISE_PREFIX: prefix });
  const workerArgs = (...extra: string[]) => [
    '--media-root',
    dirname(video),
    '--model',
    bundledModelDir(),
    ...extra,
  ];
  const start = async (extra: string[] = [], ownerMark?: string) => {
    const worker = await startWorker(workerArgs(...extra), {
      ...env(),
      ...(ownerMark === undefined ? {} : { FRAMEWISE_TEST_OWNER: ownerMark }),
    });
    workers.push(worker);
    return worker;
  };
  const stream = (jobId: string) => readStream(redis, `${prefix}:labels:${jobId}`);
  /** Every window of the video labeled once, in order: no duplicate and no gap. */
  const expectCompleteStream = async (jobId: string) => {
    const frames = (await stream(jobId)).map(([, f]) => Number(f.frame));
    expect(frames).toEqual(Array.from({ length: FRAMES - 3 }, (_, i) => i + 3));
  };

  beforeAll(async () => {
    video = await makeVideo({
      source: 'testsrc2',
      width: 64,
      height: 48,
      fps: 25,
      seconds: FRAMES / 25,
      codec: 'h264-mp4',
    });
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
    await queue?.close();
    await deletePrefix(redis, prefix);
  });

  afterAll(() => {
    redis.disconnect();
  });

  const setUp = () => {
    prefix = freshPrefix();
    queue = new Queue('videos', { connection: { url: REDIS_URL }, prefix });
  };

  it('two worker processes share 8 jobs: each completes exactly once, both work', async () => {
    setUp();
    const short = await makeVideo({
      source: 'mandelbrot',
      width: 64,
      height: 48,
      fps: 25,
      seconds: 8,
      codec: 'h264-mp4',
    });
    const [a, b] = [await start(), await start()];
    const ids = [];
    for (let i = 0; i < 8; i++) {
      const added = await runCli(['enqueue', short, '--media-root', dirname(short)], env());
      expect(added.code).toBe(0);
      ids.push(added.stdout.trim());
    }
    await waitFor(async () => (await queue.getJobCounts('completed')).completed === 8, 60_000);
    const completedBy = (w: WorkerProcess) =>
      w.logs.filter((l) => l.msg === 'job completed').map((l) => l.jobId);
    const all = [...completedBy(a!), ...completedBy(b!)].sort();
    expect(all).toEqual([...ids].sort());
    expect(completedBy(a!).length).toBeGreaterThan(0);
    expect(completedBy(b!).length).toBeGreaterThan(0);
    for (const id of ids) expect((await queue.getJob(id))?.attemptsMade).toBe(1);
  });

  it('SIGTERM: a job that fits in the grace period is finished by the same worker', async () => {
    setUp();
    const a = await start(['--shutdown-grace', '60000'], `${process.pid}-a`);
    const jobId = (
      await runCli(['enqueue', video, '--media-root', dirname(video)], env())
    ).stdout.trim();
    await waitFor(async () => (await stream(jobId)).length >= 50);
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(ffmpegProcessesRunning(`${process.pid}-a`)).toBe(0);
    expect(await queue.getJobState(jobId)).toBe('completed');
    await expectCompleteStream(jobId);
  });

  it('SIGTERM: after the grace period the job is handed back, and another worker completes it', async () => {
    setUp();
    const a = await start(['--shutdown-grace', '300'], `${process.pid}-a`);
    const jobId = (
      await runCli(['enqueue', video, '--media-root', dirname(video)], env())
    ).stdout.trim();
    await waitFor(async () => (await stream(jobId)).length >= 50);
    const before = (await stream(jobId)).length;
    const stopping = Date.now();
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(5000);
    expect(ffmpegProcessesRunning(`${process.pid}-a`)).toBe(0);
    expect(
      a.logs.some((l) => l.msg === 'grace period over: handing the running jobs back to the queue'),
    ).toBe(true);
    expect((await stream(jobId)).length).toBeLessThan(FRAMES - 3);
    expect(await queue.getJobState(jobId)).toBe('waiting');

    await start();
    await waitFor(async () => (await queue.getJobState(jobId)) === 'completed', 60_000);
    expect(before).toBeGreaterThanOrEqual(50);
    await expectCompleteStream(jobId);
  });

  it('a job retried after a transient failure half-way leaves no duplicate in its stream', async () => {
    setUp();
    const mark = `${process.pid}-retry`;
    await start([], mark);
    const added = await runCli(
      ['enqueue', video, '--media-root', dirname(video), '--backoff', '100'],
      env(),
    );
    const jobId = added.stdout.trim();
    await waitFor(async () => (await stream(jobId)).length >= 50);
    // ffmpeg dying under the job is a transient failure: BullMQ retries the job.
    for (const pid of ffmpegProcessIds(mark)) process.kill(pid, 'SIGKILL');
    await waitFor(async () => (await queue.getJobState(jobId)) === 'completed', 60_000);
    expect((await queue.getJob(jobId))?.attemptsMade).toBe(2);
    await expectCompleteStream(jobId);
  });

  it('cancel stops a running job: its ffmpeg is killed and it fails as cancelled', async () => {
    setUp();
    const mark = `${process.pid}-cancel`;
    await start([], mark);
    const jobId = (
      await runCli(['enqueue', video, '--media-root', dirname(video)], env())
    ).stdout.trim();
    await waitFor(async () => (await stream(jobId)).length >= 20);
    const cancelled = await runCli(['cancel', jobId], env());
    expect(cancelled.code).toBe(0);
    const status = JSON.parse(cancelled.stdout) as { state: string; failedReason: string };
    expect(status.state).toBe('failed');
    expect(status.failedReason).toMatch(/cancelled/);
    expect((await queue.getJob(jobId))?.attemptsMade).toBe(1);
    await waitFor(() => ffmpegProcessesRunning(mark) === 0, 5000);
  });

  it('SIGTERM with a job running and Redis gone: the worker exits 0, its ffmpeg killed', async () => {
    setUp();
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const server = await startPrivateRedis(port, url);
    try {
      const mark = `${process.pid}-gone`;
      const worker = await startWorker(workerArgs('--shutdown-grace', '500'), {
        REDIS_URL: url,
        FRAMEWISE_TEST_OWNER: mark,
      });
      workers.push(worker);
      const added = await runCli(['enqueue', video, '--media-root', dirname(video)], {
        REDIS_URL: url,
      });
      expect(added.code).toBe(0);
      await waitFor(() => ffmpegProcessesRunning(mark) === 1);
      // The job can neither finish nor be handed back: every wait on Redis must give up.
      await server.stop();
      const stopping = Date.now();
      expect(await worker.stop('SIGTERM')).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(15_000);
      expect(ffmpegProcessesRunning(mark)).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
