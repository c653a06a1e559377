import { UsageError } from '../errors.js';
import { formatHelp, parseCommandLine } from '../options/command-line.js';
import { valuesOf } from '../options/option.js';
import { urlPolicy } from '../options/queue-options.js';
import { checkInput } from '../policy/url-policy.js';
import { QueueClient } from '../queue/queue-client.js';
import { redisUrl } from '../queue/redis-connection.js';
import { checkSplittable, VIDEO_JOB_OPTIONS, videoJobData } from '../queue/video-job.js';
import { DEFAULT_LABEL_OPTIONS, JOB_LABEL_OPTIONS } from '../options/label-options.js';
import type { CommandIo } from './command-io.js';
import { ENQUEUE_COMMAND } from './command-specs.js';

/** Runs `framewise enqueue`; resolves with the exit status. */
export async function enqueueCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { options: values, positionals, help } = parseCommandLine(ENQUEUE_COMMAND, args, io.env);
  if (help) {
    io.stdout.write(formatHelp(ENQUEUE_COMMAND));
    return 0;
  }
  if (positionals.length === 0) {
    throw new UsageError('enqueue needs at least one input: framewise enqueue <url…> [options]');
  }
  const { jobId, attempts, backoffMs, timeoutSec } = values;
  if (jobId !== undefined && positionals.length > 1) {
    throw new UsageError(`--job-id names one job, got ${positionals.length} inputs`);
  }
  const job = valuesOf(values, VIDEO_JOB_OPTIONS);
  if (job.splitSec !== undefined) {
    checkSplittable({ ...DEFAULT_LABEL_OPTIONS, ...valuesOf(values, JOB_LABEL_OPTIONS) }, job.live);
  }
  const policy = urlPolicy(values);
  // Every input is checked before any job is added: one refused input adds nothing.
  const inputs = [];
  for (const url of positionals) inputs.push(await checkInput(url, policy));
  const client = await QueueClient.open(redisUrl(io.env), values.prefix);
  try {
    const events = values.wait ? await client.queueEvents() : undefined;
    const jobs = [];
    for (const input of inputs) {
      jobs.push(
        await client.add(videoJobData(input.input, job), {
          ...(jobId === undefined ? {} : { jobId }),
          attempts,
          backoffMs,
        }),
      );
    }
    if (events === undefined) {
      for (const job of jobs) io.stdout.write(`${job.id}\n`);
      return 0;
    }
    let failed = 0;
    for (const job of jobs) {
      try {
        const summary = await job.waitUntilFinished(
          events,
          timeoutSec === undefined ? undefined : timeoutSec * 1000,
        );
        io.stdout.write(`${JSON.stringify({ id: job.id, ...summary })}\n`);
      } catch (error) {
        failed++;
        io.stderr.write(
          `framewise enqueue: job ${job.id} failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      }
    }
    return failed === 0 ? 0 : 1;
  } finally {
    await client.close();
  }
}
