import { InputError } from '../errors.js';
import { labelsKey } from '../queue/queue-keys.js';
import { QueueClient } from '../queue/queue-client.js';
import { redisUrl } from '../queue/redis-connection.js';
import { streamEntryJson } from '../output/stream-entry-json.js';
import type { CommandIo } from './command-io.js';
import { jobIdArgument } from './job-id-argument.js';
import { formatHelp, parseCommandLine } from '../options/command-line.js';
import { WATCH_COMMAND } from './command-specs.js';

/** How long one blocking read waits before the job's state is looked at again, in ms. */
const BLOCK_MS = 1000;
/** Entries fetched per read. */
const READ_COUNT = 1000;

type StreamReply = [key: string, entries: [id: string, fields: string[]][]][] | null;

/** Runs `framewise watch`; resolves with the exit status. */
export async function watchCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { options: values, positionals, help } = parseCommandLine(WATCH_COMMAND, args, io.env);
  if (help) {
    io.stdout.write(formatHelp(WATCH_COMMAND));
    return 0;
  }
  const jobId = jobIdArgument('watch', positionals);
  const client = await QueueClient.open(redisUrl(io.env), values.prefix);
  const reader = client.redis.duplicate();
  try {
    const key = labelsKey(client.prefix, jobId);
    let lastId = '0-0';
    const read = async (block: boolean): Promise<number> => {
      const reply = (
        block
          ? await reader.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', key, lastId)
          : await reader.xread('COUNT', READ_COUNT, 'STREAMS', key, lastId)
      ) as StreamReply;
      const entries = reply?.[0]?.[1] ?? [];
      for (const [id, fields] of entries) {
        io.stdout.write(`${streamEntryJson(fields)}\n`);
        lastId = id;
      }
      return entries.length;
    };
    for (;;) {
      if (io.signal.aborted) return 0;
      const state = await client.queue.getJobState(jobId);
      if (state === 'unknown' && (await client.redis.exists(key)) === 0) {
        throw new InputError(
          'FW_ERR_INPUT_NOT_FOUND',
          `no job ${jobId} in the queue (prefix ${client.prefix}); check the id and --prefix`,
        );
      }
      if (state === 'completed' || state === 'failed' || state === 'unknown') {
        // Every label is written before the job finishes: what is in the stream now is all.
        while ((await read(false)) === READ_COUNT);
        if (state !== 'failed') return 0;
        const job = await client.queue.getJob(jobId);
        io.stderr.write(
          `framewise watch: job ${jobId} failed: ${job?.failedReason ?? 'unknown reason'}\n`,
        );
        return 1;
      }
      // Read until a blocking read comes back empty, then look at the job again.
      while ((await read(true)) > 0) if (io.signal.aborted) return 0;
    }
  } finally {
    reader.disconnect();
    await client.close();
  }
}
