import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { AbortError, RedisUnavailableError } from '../errors.js';
import { checkRedis } from './check-redis.js';

/** Options of {@link waitForRedis}. */
export interface WaitForRedisOptions {
  /** Where each failed attempt is logged (a warning with the reason and the next delay). */
  readonly logger: Logger;
  /** Stops waiting (SIGTERM while Redis is still down). */
  readonly signal?: AbortSignal;
  /**
   * Delay after the first failed attempt, in milliseconds; doubled after each failure.
   * @defaultValue 1000
   */
  readonly firstDelayMs?: number;
  /**
   * Longest delay between attempts, in milliseconds: a Redis that comes back is seen within it.
   * @defaultValue 30000
   */
  readonly maxDelayMs?: number;
}

/** Defaults of {@link WaitForRedisOptions}. */
export const WAIT_FOR_REDIS_DEFAULTS = { firstDelayMs: 1000, maxDelayMs: 30_000 } as const;

/**
 * Waits until Redis answers at `url`, retrying with exponential backoff for as long as it takes
 * and logging every failure. For workers run by an orchestrator: Redis that starts after the
 * workers (a compose file, a cluster coming up) is normal there, and a worker that waits, alive
 * but not ready, is better than one that exits and is restarted in a crash loop.
 *
 * @throws {@link AbortError} when `signal` fires first.
 */
export async function waitForRedis(url: string, options: WaitForRedisOptions): Promise<void> {
  const { logger, signal } = options;
  const first = options.firstDelayMs ?? WAIT_FOR_REDIS_DEFAULTS.firstDelayMs;
  const max = options.maxDelayMs ?? WAIT_FOR_REDIS_DEFAULTS.maxDelayMs;
  for (let attempt = 1; ; attempt += 1) {
    if (signal?.aborted === true) throw new AbortError('stopped while waiting for Redis');
    try {
      await checkRedis(url);
      if (attempt > 1) logger.info({ attempts: attempt }, 'Redis answers');
      return;
    } catch (error) {
      if (!(error instanceof RedisUnavailableError)) throw error;
      const delayMs = Math.min(max, first * 2 ** (attempt - 1));
      logger.warn(
        { attempt, retryInMs: delayMs, err: error.message },
        'waiting for Redis: not answering yet',
      );
      try {
        await sleep(delayMs, undefined, signal === undefined ? {} : { signal });
      } catch {
        throw new AbortError('stopped while waiting for Redis');
      }
    }
  }
}
