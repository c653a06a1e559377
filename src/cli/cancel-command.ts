import { setTimeout as sleep } from 'node:timers/promises';
import { QueueClient } from '../queue/queue-client.js';
import { redisUrl } from '../queue/redis-connection.js';
import type { CommandIo } from './command-io.js';
import { jobIdArgument } from './job-id-argument.js';
import { formatHelp, parseCommandLine } from '../options/command-line.js';
import { CANCEL_COMMAND } from './command-specs.js';
import { jobStatus } from './status-command.js';

/** How often the job's state is polled while waiting for it to stop, in ms. */
const POLL_MS = 100;

/** Runs `framewise cancel`; resolves with the exit status. */
export async function cancelCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { options: values, positionals, help } = parseCommandLine(CANCEL_COMMAND, args, io.env);
  if (help) {
    io.stdout.write(formatHelp(CANCEL_COMMAND));
    return 0;
  }
  const jobId = jobIdArgument('cancel', positionals);
  const { timeoutSec } = values;
  const client = await QueueClient.open(redisUrl(io.env), values.prefix);
  try {
    let status = await jobStatus(client, jobId);
    if (status.state === 'completed' || status.state === 'failed') {
      io.stderr.write(
        `framewise cancel: job ${jobId} has already ${status.state === 'failed' ? 'failed' : 'completed'}\n`,
      );
      io.stdout.write(`${JSON.stringify(status)}\n`);
      return 0;
    }
    await client.requestCancel(jobId);
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
