import { Redis } from 'ioredis';
import { RedisUnavailableError } from '../errors.js';
import { redactUrl } from '../policy/redact-url.js';

/** Connection attempts before giving up: enough to ride out a restart, short for a typo. */
const CONNECT_ATTEMPTS = 3;
/** Delay before the n-th retry, times n, in milliseconds. */
const RETRY_DELAY_MS = 250;
/** Longest wait for one connection, in milliseconds. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Makes sure Redis answers at `url` before a command or a worker builds on it, so that a wrong
 * address or password fails at once with a clear message, instead of BullMQ waiting forever for
 * a connection that will never be ready.
 * @throws {@link RedisUnavailableError} naming the (redacted) URL and Redis' own reason.
 */
export async function checkRedis(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => (attempt >= CONNECT_ATTEMPTS ? null : attempt * RETRY_DELAY_MS),
  });
  let lastError: Error | undefined;
  // ioredis reports why a connection failed only through 'error' events.
  client.on('error', (error: Error) => (lastError = error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const reason = (lastError ?? (error as Error)).message;
    throw new RedisUnavailableError(
      `cannot use Redis at ${redactUrl(url)}: ${reason}; check REDIS_URL ` +
        `(redis:// or rediss://, the password) and that the server is running`,
      { cause: lastError ?? error },
    );
  } finally {
    client.disconnect();
  }
}
