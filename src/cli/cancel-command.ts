import { setTimeout as sleep } from 'node:timers/promises';
import { optionalNumber } from '../options/option-values.js';
import { cancelChannel, cancelKey } from '../queue/queue-keys.js';
import { QueueClient } from '../queue/queue-client.js';
import { redisUrl } from '../queue/redis-connection.js';
import type { CommandIo } from './command-io.js';
import { jobIdArgument } from './job-id-argument.js';
import { formatOptions, parseCommandLine, type OptionSpec } from './parse-command-line.js';
import { PREFIX_OPTION, parsePrefix } from './prefix-option.js';
import { jobStatus } from './status-command.js';

/** How long the cancel request is kept for a job no worker has picked up yet, in seconds. */
const CANCEL_FLAG_TTL_SEC = 7 * 24 * 3600;
/** Default of `--timeout`, in seconds. */
const DEFAULT_TIMEOUT_SEC = 10;
/** How often the job's state is polled while waiting for it to stop, in ms. */
const POLL_MS = 100;

/** Options of `framewise cancel`. */
export const CANCEL_COMMAND_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  timeout: {
    type: 'string',
    valueName: '<sec>',
    help: `wait this long for a running job to stop [${DEFAULT_TIMEOUT_SEC}]`,
  },
  ...PREFIX_OPTION,
  help: { type: 'boolean', help: 'show this help' },
};

const USAGE = `usage: framewise cancel <jobId> [options]

Stops a job: a running one at once (its ffmpeg is killed), a waiting one when a worker picks it
up. The job ends as failed with a reason saying it was cancelled. Prints the job's status.

options:
${formatOptions(CANCEL_COMMAND_OPTIONS)}
`;

/** Runs `framewise cancel`; resolves with the exit status. */
export async function cancelCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandLine('cancel', args, CANCEL_COMMAND_OPTIONS, io.env);
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  const jobId = jobIdArgument('cancel', positionals);
  const timeoutSec =
    optionalNumber(values, 'timeout', { min: 0, exclusive: false }) ?? DEFAULT_TIMEOUT_SEC;
  const client = await QueueClient.open(redisUrl(io.env), parsePrefix(values.prefix));
  try {
    let status = await jobStatus(client, jobId);
    if (status.state === 'completed' || status.state === 'failed') {
      io.stderr.write(
        `framewise cancel: job ${jobId} has already ${status.state === 'failed' ? 'failed' : 'completed'}\n`,
      );
      io.stdout.write(`${JSON.stringify(status)}\n`);
      return 0;
    }
    // The flag first, then the message: a worker that picks the job up between the two sees it.
    await client.redis.set(cancelKey(client.prefix, jobId), 'cancelled', 'EX', CANCEL_FLAG_TTL_SEC);
    await client.redis.publish(cancelChannel(client.prefix), jobId);
    const deadline = performance.now() + timeoutSec * 1000;
    while (status.state === 'active' && performance.now() < deadline && !io.signal.aborted) {
      await sleep(POLL_MS);
      status = await jobStatus(client, jobId);
    }
    io.stdout.write(`${JSON.stringify(status)}\n`);
    return 0;
  } finally {
    await client.close();
  }
}
