/**
 * A local stand-in for the cluster: the topology of deploy/ (Redis, N worker replicas with
 * their metrics servers, a one-shot `framewise enqueue`) as processes on this machine, against
 * the local Redis (REDIS_URL, default redis://127.0.0.1:6379) under a fresh key prefix.
 *
 *   npm run local-cluster -- [--workers 1,2,3] [--jobs 12] [--seconds 8] [--long 120] [--part 20]
 *
 * For each worker count it starts the workers, waits for each `/readyz`, enqueues the same batch
 * of generated videos, times them until all are completed, reads each worker's
 * `framewise_jobs_total` and memory from `/metrics`, stops the workers with SIGTERM and deletes
 * the prefix's keys. Then, for each worker count, labels one `--long`-second file whole and split
 * into `--part`-second parts (`--split`), timing each from enqueue to summary (`--long 0`
 * skips it). Prints Markdown tables on stdout, progress on stderr.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { packageRoot } from '../src/model/load/bundled-model.js';
import { QUEUE_NAME } from '../src/queue/queue-keys.js';
import { bullmqConnection, redisUrl } from '../src/queue/redis-connection.js';
import { redactUrl } from '../src/policy/redact-url.js';
import { renderShots } from '../test/support/render-shots.js';
import { WorkerFleet } from './local-cluster/worker-fleet.js';
import { deletePrefixKeys } from '../src/queue/delete-prefix-keys.js';

const run = promisify(execFile);

/** Frame size and rate of the generated videos: 240p, where the pipeline, not decoding, is the limit. */
const VIDEO = { width: 320, height: 240, fps: 25 } as const;
/** lavfi sources the videos are cut from, two shots each, so that jobs differ. */
const SOURCES = ['testsrc2', 'mandelbrot', 'life=mold=10:ratio=0.5', 'cellauto=rule=110'];
/** How often completion is polled, in milliseconds. */
const POLL_MS = 50;

const root = packageRoot();
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

/** One row of the table. */
interface ClusterRun {
  readonly workers: number;
  readonly jobs: number;
  readonly frames: number;
  readonly seconds: number;
  /** Completed jobs per worker, in start order. */
  readonly jobsPerWorker: readonly number[];
  /** Largest resident set of a worker after the batch, in bytes. */
  readonly maxRssBytes: number;
}

async function makeVideos(count: number, seconds: number): Promise<string[]> {
  const dir = join(root, '.cache', 'local-cluster');
  const files: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const out = join(dir, `clip-${seconds}s-${i}.mp4`);
    if (!existsSync(out)) {
      const shots = [0, 1].map((k) => ({
        source: SOURCES[(i + k) % SOURCES.length]!,
        seconds: seconds / 2,
      }));
      await renderShots({ out, shots, ...VIDEO });
    }
    files.push(out);
  }
  return files;
}

async function clusterRun(workers: number, files: readonly string[], concurrency: number) {
  const url = redisUrl();
  const prefix = `local-cluster-${randomUUID()}`;
  const env = { REDIS_URL: url, FRAMEWISE_PREFIX: prefix };
  const mediaRoot = join(root, '.cache', 'local-cluster');
  const fleet = await WorkerFleet.start({
    workers,
    args: ['--media-root', mediaRoot, '--concurrency', String(concurrency)],
    env,
  });
  const queue = new Queue(QUEUE_NAME, { connection: bullmqConnection(url), prefix });
  try {
    const started = performance.now();
    // The one-shot client, as compose's `enqueue` service runs it.
    await run(process.execPath, [cli, 'enqueue', ...files, '--media-root', mediaRoot], {
      env: { ...process.env, ...env },
    });
    for (;;) {
      const counts = await queue.getJobCounts('completed', 'failed');
      if ((counts.failed ?? 0) > 0) throw new Error('a job failed: see `framewise status`');
      if (counts.completed === files.length) break;
      await sleep(POLL_MS);
    }
    const seconds = (performance.now() - started) / 1000;
    const completed = await queue.getJobs(['completed']);
    const frames = completed.reduce(
      (n, job) => n + (job.returnvalue as { frames: number }).frames,
      0,
    );
    const metrics = await fleet.scrape();
    return {
      workers,
      jobs: files.length,
      frames,
      seconds,
      jobsPerWorker: metrics.map((text) =>
        sample(text, 'framewise_jobs_total{outcome="completed"}'),
      ),
      maxRssBytes: Math.max(
        ...metrics.map((t) => sample(t, 'framewise_process_resident_memory_bytes')),
      ),
    } satisfies ClusterRun;
  } finally {
    await queue.close();
    await fleet.stop();
    await deleteKeys(url, prefix);
  }
}

/** One long file on `workers` workers, split into parts of `partSec` (or whole): wall seconds. */
async function longFileRun(workers: number, file: string, partSec: number | undefined) {
  const url = redisUrl();
  const prefix = `local-cluster-${randomUUID()}`;
  const env = { REDIS_URL: url, FRAMEWISE_PREFIX: prefix };
  const mediaRoot = join(root, '.cache', 'local-cluster');
  const fleet = await WorkerFleet.start({ workers, args: ['--media-root', mediaRoot], env });
  try {
    const started = performance.now();
    const split = partSec === undefined ? [] : ['--split', String(partSec)];
    const { stdout } = await run(
      process.execPath,
      [cli, 'enqueue', file, '--media-root', mediaRoot, '--wait', ...split],
      { env: { ...process.env, ...env } },
    );
    const seconds = (performance.now() - started) / 1000;
    const summary = JSON.parse(stdout) as { frames: number; windows: number };
    return { seconds, frames: summary.frames, windows: summary.windows };
  } finally {
    await fleet.stop();
    await deleteKeys(url, prefix);
  }
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    await deletePrefixKeys(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

function table(runs: readonly ClusterRun[], seconds: number): string {
  const base = runs[0]!.frames / runs[0]!.seconds;
  const rows = runs.map((r) => {
    const fps = r.frames / r.seconds;
    return `| ${r.workers} | ${r.jobs} × ${seconds} s 240p | ${r.frames} | ${r.seconds.toFixed(2)} | ${fps.toFixed(0)} | ${(fps / base).toFixed(2)} | ${r.jobsPerWorker.join(' / ')} | ${(r.maxRssBytes / 2 ** 20).toFixed(0)} |`;
  });
  return [
    '| worker processes | jobs | frames | seconds | frames/s | ÷ 1 worker | jobs per worker | max worker RSS (MiB) |',
    '| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |',
    ...rows,
  ].join('\n');
}

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2,3' },
    jobs: { type: 'string', default: '12' },
    seconds: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '1' },
    long: { type: 'string', default: '120' },
    part: { type: 'string', default: '20' },
  },
});
const counts = values.workers.split(',').map(Number);
const jobs = Number(values.jobs);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
for (const [name, n] of [...counts.map((c) => ['workers', c] as const), ['jobs', jobs] as const]) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be integers >= 1, got ${n}`);
}
const files = await makeVideos(jobs, seconds);
const runs: ClusterRun[] = [];
for (const workers of counts) {
  process.stderr.write(`local cluster: ${workers} worker(s), ${jobs} jobs…\n`);
  runs.push(await clusterRun(workers, files, concurrency));
}
process.stdout.write(
  `local cluster: ${cpus().length} cores, Node.js ${process.version}, Redis ${redactUrl(redisUrl())}, ` +
    `--concurrency ${concurrency}, bundled model (99×99, N=4, stride 1)\n\n${table(runs, seconds)}\n`,
);

// One long file: the same job whole and split (`--split`), on each worker count.
const longSec = Number(values.long);
const partSec = Number(values.part);
if (longSec > 0) {
  const [long] = await makeVideos(1, longSec);
  const rows: string[] = [];
  let base: number | undefined;
  for (const workers of counts) {
    for (const part of [undefined, partSec]) {
      process.stderr.write(
        `local cluster: one ${longSec} s file on ${workers} worker(s), ${part === undefined ? 'whole' : `split every ${part} s`}…\n`,
      );
      const result = await longFileRun(workers, long!, part);
      base ??= result.seconds;
      rows.push(
        `| ${workers} | ${part === undefined ? 'whole' : `${part} s parts`} | ${result.frames} | ${result.seconds.toFixed(2)} | ${(base / result.seconds).toFixed(2)} |`,
      );
    }
  }
  process.stdout.write(
    `\none ${longSec} s 240p file (enqueue --wait, from enqueue to summary):\n\n` +
      '| worker processes | job | frames | seconds | speed-up over 1 worker, whole |\n' +
      '| ---: | --- | ---: | ---: | ---: |\n' +
      `${rows.join('\n')}\n`,
  );
}
