import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { deletePrefixKeys } from '../../src/queue/delete-prefix-keys.js';

/** The Redis every test talks to: the real server of the machine. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The compiled worker entry point (`npm test` builds first). */
export const WORKER_ENTRY = join(
  fileURLToPath(new URL('../..', import.meta.url)),
  'dist',
  'workers',
  'video-worker.js',
);

/** A key prefix no other test uses. */
export function freshPrefix(): string {
  return `test-${randomUUID()}`;
}

/** Deletes every key under `prefix`. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  await deletePrefixKeys(redis, prefix);
}

/** A worker process started by a test, with what it logged. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Its pino log lines, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `framewise worker` as its own process and waits until it logs `readyMessage`
 * ("worker ready" unless told otherwise); `detached` puts it in its own process group.
 */
export async function startWorker(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  options: { detached?: boolean; readyMessage?: string } = {},
): Promise<WorkerProcess> {
  const readyMessage = options.readyMessage ?? 'worker ready';
  const child = spawn(process.execPath, [WORKER_ENTRY, ...args], {
    env: { ...process.env, REDIS_URL, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own process group: a test can kill the worker and its ffmpeg at once, like a crash.
    detached: options.detached === true,
  });
  const logs: Record<string, unknown>[] = [];
  let pending = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const worker: WorkerProcess = {
    child,
    logs,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const ready = await Promise.race([
    waitFor(() => logs.some((l) => l.msg === readyMessage), 30_000).then(() => true),
    exited.then(() => false),
  ]);
  if (!ready) throw new Error(`worker exited before it was ready: ${JSON.stringify(logs)}`);
  return worker;
}

/** Polls `condition` every 50 ms until it holds; fails after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** The entries of a labels stream, as [id, fields as an object]. */
export async function readStream(
  redis: Redis,
  key: string,
): Promise<[string, Record<string, string>][]> {
  const entries = await redis.xrange(key, '-', '+');
  return entries.map(([id, fields]) => {
    const record: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
    return [id, record];
  });
}
