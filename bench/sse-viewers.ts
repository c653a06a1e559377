/**
 * `npm run bench:sse`: what viewers cost the dashboard. A `framewise worker` labels a live
 * camera stand-in (30 fps, stateful, a label per frame) and a `framewise serve` streams the job's
 * labels to 0, 1 and 50 concurrent SSE clients, one phase after another on the same job. For
 * each phase it reports the serve process's CPU (share of one core) and its resident memory at
 * the end, and checks that every viewer got every label of its phase, in order, once.
 *
 *   npm run bench:sse [-- --seconds 20 --viewers 50]
 *
 * Needs Redis (REDIS_URL) and Linux's /proc. Prints a Markdown table.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { deletePrefixKeys } from '../src/queue/delete-prefix-keys.js';
import { labelsKey } from '../src/queue/queue-keys.js';
import { redisUrl } from '../src/queue/redis-connection.js';
import { runCli, startCli, type CliProcess } from '../test/support/cli.js';
import { readSse } from '../test/support/dashboard.js';
import { LiveStreamServer } from '../test/support/live-stream-server.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    viewers: { type: 'string', default: '50' },
  },
});
const SECONDS = Number(values.seconds);
const VIEWERS = Number(values.viewers);
/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on Linux). */
const TICKS = 100;

const prefix = `bench-sse-${randomUUID().slice(0, 8)}`;
const env = { ...process.env, REDIS_URL: redisUrl(), FRAMEWISE_PREFIX: prefix };
const children: ChildProcess[] = [];

async function start(args: string[], ready: RegExp): Promise<CliProcess> {
  const started = await startCli(args, env, ready);
  children.push(started.child);
  return started;
}

/** CPU seconds the process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function cliOut(args: string[]): Promise<string> {
  return (await runCli(args, env)).stdout.trim();
}

const redis = new Redis(env.REDIS_URL);
const camera = new LiveStreamServer({ fps: 30, size: '160x120' });
const rows: string[] = [];
try {
  await camera.start();
  await start(['worker', '--allow-private'], /worker ready/);
  const serve = await start(['serve', '--port', '0'], /dashboard at (\S+?)\/?\n/);
  const url = serve.line;
  const pid = serve.child.pid!;
  const jobId = await cliOut([
    ...['enqueue', camera.url, '--live', '--allow-private', '--mode', 'stateful'],
    ...['--watchdog', '5000'],
  ]);
  const key = labelsKey(prefix, jobId);
  for (let i = 0; i < 300 && (await redis.xlen(key)) < 30; i++) await sleep(100);

  for (const viewers of [0, 1, VIEWERS]) {
    const stop = new AbortController();
    const got = Array.from({ length: viewers }, () => [] as string[]);
    const from = (await redis.xrevrange(key, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
    const reading = got.map((ids) =>
      readSse(
        `${url}/api/jobs/${jobId}/labels`,
        { 'last-event-id': from },
        (e) => ids.push(e.id!),
        stop.signal,
      ),
    );
    const cpuBefore = cpuSeconds(pid);
    const began = performance.now();
    await sleep(SECONDS * 1000);
    const cpu = (cpuSeconds(pid) - cpuBefore) / ((performance.now() - began) / 1000);
    const rss = rssMiB(pid);
    // Every viewer has caught up with the stream before the phase ends.
    const last = (await redis.xrevrange(key, '+', '-', 'COUNT', 1))[0]![0];
    for (let i = 0; i < 100 && got.some((ids) => ids[ids.length - 1] !== last); i++)
      await sleep(50);
    stop.abort();
    await Promise.all(reading);
    const expected = (await redis.xrange(key, `(${from}`, last)).map(([id]) => id);
    const complete = got.every(
      (ids) => ids.length >= expected.length && expected.every((id, i) => ids[i] === id),
    );
    rows.push(
      `| ${viewers} | ${expected.length} | ${(expected.length / SECONDS).toFixed(1)} | ${(cpu * 100).toFixed(1)} % | ${rss.toFixed(0)} MiB | ${viewers === 0 ? '–' : complete ? 'yes' : 'NO'} |`,
    );
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  }
  await cliOut(['cancel', jobId]);
  process.stdout.write(
    `SSE viewers of one live job (${SECONDS} s per phase, stateful, a label per frame at 30 fps):\n\n` +
      '| viewers | labels | labels/s | serve CPU (one core) | serve RSS | every viewer got every label |\n' +
      '| ---: | ---: | ---: | ---: | ---: | :---: |\n' +
      `${rows.join('\n')}\n`,
  );
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)),
  );
  await camera.stop();
  await deletePrefixKeys(redis, prefix);
  redis.disconnect();
}
