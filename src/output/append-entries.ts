import type { Redis } from 'ioredis';

/**
 * Appends entries to a stream, skipping every entry whose ID is not above the stream's last ID,
 * in one atomic round trip. ARGV holds, per entry: the ID's two parts, the number of field and
 * value strings, then those strings. Returns how many entries were added. The last generated
 * ID (not the top entry) is the bound, as XADD's own check: entries deleted since do not let a
 * replay back in.
 */
const APPEND_ENTRIES_LUA = `
local key = KEYS[1]
local lastMs, lastSeq = -1, -1
if redis.call('EXISTS', key) == 1 then
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      local id = info[i + 1]
      local dash = string.find(id, '-', 1, true)
      lastMs = tonumber(string.sub(id, 1, dash - 1))
      lastSeq = tonumber(string.sub(id, dash + 1))
    end
  end
end
local added = 0
local i = 1
while i <= #ARGV do
  local ms, seq, n = tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  if ms > lastMs or (ms == lastMs and seq > lastSeq) then
    redis.call('XADD', key, ARGV[i] .. '-' .. ARGV[i + 1], unpack(ARGV, i + 3, i + 2 + n))
    lastMs, lastSeq = ms, seq
    added = added + 1
  end
  i = i + 3 + n
end
return added
`;

/** One stream entry with an explicit ID `<ms>-<seq>`. */
export interface StreamEntry {
  /** First part of the entry ID. */
  readonly ms: number;
  /** Second part of the entry ID. */
  readonly seq: number;
  /** Field names and values, alternating. */
  readonly fields: readonly string[];
}

type AppendingRedis = Redis & {
  framewiseAppendEntries(key: string, ...args: (string | number)[]): Promise<number>;
};

/**
 * Appends `entries` (IDs ascending) to the stream `key`, dropping the ones already there: a job
 * that is retried or resumed replays labels, and the replay must neither duplicate nor fail.
 * @returns the number of entries added.
 */
export async function appendEntries(
  redis: Redis,
  key: string,
  entries: readonly StreamEntry[],
): Promise<number> {
  if (entries.length === 0) return 0;
  const client = redis as AppendingRedis;
  if (typeof client.framewiseAppendEntries !== 'function') {
    redis.defineCommand('framewiseAppendEntries', { numberOfKeys: 1, lua: APPEND_ENTRIES_LUA });
  }
  const args = entries.flatMap((e) => [e.ms, e.seq, e.fields.length, ...e.fields]);
  return client.framewiseAppendEntries(key, ...args);
}
