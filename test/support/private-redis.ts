import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { waitFor } from './queue.js';

/** A `redis-server` of a test's own, next to the machine's shared one. */
export interface PrivateRedis {
  readonly port: number;
  /** Kills the server (SIGKILL: nothing of it is kept). */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` on `port` of loopback with `args` added (a password, a memory policy),
 * no persistence, and waits until `url` answers PING, so that settings a test needs never
 * touch the shared server.
 */
export async function startPrivateRedis(
  port: number,
  url: string,
  args: readonly string[] = [],
): Promise<PrivateRedis> {
  const server: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: 'ignore' },
  );
  const exited = once(server, 'exit');
  await waitFor(() => answers(url));
  return {
    port,
    stop: async () => {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
      await exited;
    },
  };
}

/** True when Redis at `url` answers PING now (one try, no retries). */
export async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
