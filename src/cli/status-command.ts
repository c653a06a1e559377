import { InputError } from '../errors.js';
import { QueueClient } from '../queue/queue-client.js';
import { partStatuses } from '../queue/split-job.js';
import { redisUrl } from '../queue/redis-connection.js';
import type { CommandIo } from './command-io.js';
import { jobIdArgument } from './job-id-argument.js';
import { formatHelp, parseCommandLine } from '../options/command-line.js';
import { STATUS_COMMAND } from './command-specs.js';

/** A job's status as `status` and `cancel` print it. */
export async function jobStatus(
  client: QueueClient,
  jobId: string,
): Promise<Record<string, unknown>> {
  const job = await client.queue.getJob(jobId);
  if (job === undefined) {
    throw new InputError(
      'FW_ERR_INPUT_NOT_FOUND',
      `no job ${jobId} in the queue (prefix ${client.prefix}); check the id and --prefix`,
    );
  }
  const state = await job.getState();
  const parts = await partStatuses(client.queue, client.redis, client.prefix, jobId);
  return {
    id: job.id,
    state,
    progress: job.progress,
    ...(parts.length === 0 ? {} : { parts }),
    ...(state === 'completed' ? { summary: job.returnvalue } : {}),
    ...(job.failedReason === undefined || job.failedReason === ''
      ? {}
      : { failedReason: job.failedReason }),
    attempts: job.attemptsMade,
  };
}

/** Runs `framewise status`; resolves with the exit status. */
export async function statusCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { options: values, positionals, help } = parseCommandLine(STATUS_COMMAND, args, io.env);
  if (help) {
    io.stdout.write(formatHelp(STATUS_COMMAND));
    return 0;
  }
  const jobId = jobIdArgument('status', positionals);
  const client = await QueueClient.open(redisUrl(io.env), values.prefix);
  try {
    io.stdout.write(`${JSON.stringify(await jobStatus(client, jobId))}\n`);
    return 0;
  } finally {
    await client.close();
  }
}
