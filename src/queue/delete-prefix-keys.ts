import type { Redis } from 'ioredis';

/** Keys fetched per SCAN step. */
const SCAN_COUNT = 1000;

/**
 * Deletes every key under `<prefix>:` with SCAN (never KEYS, which blocks Redis): cleaning up
 * after a benchmark, a local cluster run or a test.
 * @returns how many keys were deleted.
 */
export async function deletePrefixKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', SCAN_COUNT);
    if (keys.length > 0) deleted += await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}
