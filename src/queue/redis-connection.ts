import type { RedisOptions as BullmqRedisOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { UsageError } from '../errors.js';
import { redactUrl } from '../policy/redact-url.js';

/** Redis server when `REDIS_URL` is not set. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The Redis URL from the environment, checked: `redis://` or `rediss://` (TLS). */
export function redisUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url =
    env.REDIS_URL === undefined || env.REDIS_URL === '' ? DEFAULT_REDIS_URL : env.REDIS_URL;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new UsageError(
      `REDIS_URL must be a redis:// or rediss:// URL, got ${JSON.stringify(redactUrl(url))}`,
    );
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new UsageError(
      `REDIS_URL must be a redis:// or rediss:// URL, got ${JSON.stringify(redactUrl(url))}`,
    );
  }
  return url;
}

/**
 * Options for connections BullMQ uses: `maxRetriesPerRequest: null`, as BullMQ requires for its
 * blocking connections, so that a Redis hiccup delays commands instead of failing them.
 */
export function bullmqConnection(url: string): BullmqRedisOptions {
  return { url, maxRetriesPerRequest: null };
}

/**
 * A new ioredis client for framewise's own keys (label streams, cancel flags). Commands fail
 * after a few retries rather than hanging forever: callers (a job, a CLI command) fail and are
 * retried at their own level.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: 3, ...options });
}
