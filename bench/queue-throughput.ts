import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { packageRoot } from '../src/model/load/bundled-model.js';
import { QUEUE_NAME } from '../src/queue/queue-keys.js';
import { bullmqConnection, redisUrl } from '../src/queue/redis-connection.js';
import { deletePrefixKeys } from '../src/queue/delete-prefix-keys.js';

/** Result of one queue run: jobs, frames and wall time from the first add to the last completion. */
export interface QueueRun {
  readonly workers: number;
  readonly jobs: number;
  readonly frames: number;
  readonly seconds: number;
}

const workerEntry = join(packageRoot(), 'dist', 'workers', 'video-worker.js');

/**
 * Starts `workers` worker processes on a fresh prefix, enqueues every file in `files` and
 * times them until all are completed; then stops the workers and deletes the prefix's keys.
 * With `warmUp`, each worker first labels that file, untimed: a worker is a long-running
 * process, and its first job also pays for compiling the job's code paths and loading Redis
 * scripts (measured: a fresh worker's first 20 s 240p job took 1.01 s, the next three
 * 0.63–0.77 s).
 */
export async function queueRun(
  workers: number,
  files: readonly string[],
  modelDir: string,
  warmUp?: string,
): Promise<QueueRun> {
  const url = redisUrl();
  const prefix = `bench-${randomUUID()}`;
  const children = await Promise.all(
    Array.from({ length: workers }, () => startWorker(prefix, dirname(files[0]!), modelDir)),
  );
  const queue = new Queue(QUEUE_NAME, { connection: bullmqConnection(url), prefix });
  const events = new QueueEvents(QUEUE_NAME, { connection: bullmqConnection(url), prefix });
  try {
    await events.waitUntilReady();
    if (warmUp !== undefined) {
      // One job per worker, at once: each worker takes one.
      const warming = await queue.addBulk(
        children.map(() => ({ name: 'label', data: { url: warmUp } })),
      );
      await Promise.all(warming.map((job) => finished(job, events)));
    }
    const started = performance.now();
    const jobs = await queue.addBulk(files.map((file) => ({ name: 'label', data: { url: file } })));
    const summaries = await Promise.all(jobs.map((job) => finished(job, events)));
    const seconds = (performance.now() - started) / 1000;
    const frames = summaries.reduce((sum, summary) => sum + summary.frames, 0);
    return { workers, jobs: jobs.length, frames, seconds };
  } finally {
    await events.close();
    await queue.close();
    await Promise.all(
      children.map(async (child) => {
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      }),
    );
    await deleteKeys(url, prefix);
  }
}

/** The job's summary once it completes, told by the queue's events (no polling delay). */
async function finished(job: Job, events: QueueEvents): Promise<{ frames: number }> {
  try {
    return (await job.waitUntilFinished(events)) as { frames: number };
  } catch (error) {
    throw new Error(`bench job failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function startWorker(
  prefix: string,
  mediaRoot: string,
  modelDir: string,
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [workerEntry, '--media-root', mediaRoot, '--model', modelDir],
    {
      env: { ...process.env, FRAMEWISE_PREFIX: prefix },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  while (!log.includes('"worker ready"')) {
    if (child.exitCode !== null) throw new Error(`bench worker exited: ${log}`);
    await sleep(20);
  }
  return child;
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    await deletePrefixKeys(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
