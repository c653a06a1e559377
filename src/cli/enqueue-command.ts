import { HEAD_MODES, parseLabelOptions } from '../options/label-options.js';
import { optionalInteger, optionalNumber } from '../options/option-values.js';
import { UsageError } from '../errors.js';
import { QueueClient } from '../queue/queue-client.js';
import { redisUrl } from '../queue/redis-connection.js';
import { videoJobData } from '../queue/video-job.js';
import { checkInput } from '../policy/url-policy.js';
import type { CommandIo } from './command-io.js';
import { LIVE_OPTIONS, parseLiveOptions } from './live-options.js';
import { formatOptions, parseCommandLine, type OptionSpec } from './parse-command-line.js';
import { POLICY_OPTIONS, parsePolicy } from './policy-options.js';
import { PREFIX_OPTION, parsePrefix } from './prefix-option.js';

/** Attempts of a job when `--attempts` is not given: transient failures are retried twice. */
const DEFAULT_ATTEMPTS = 3;
/** First retry delay, doubled on each retry, in milliseconds. */
const DEFAULT_BACKOFF_MS = 2000;
/** Finished jobs are kept this long for `status` and `watch`, in seconds (as the streams). */
const KEEP_FINISHED_SEC = 7 * 24 * 3600;
/** Job ids: what BullMQ keys can hold safely, and never all digits (BullMQ's own ids are). */
const JOB_ID = /^(?!\d+$)[A-Za-z0-9._-]{1,128}$/;

/** Options of `framewise enqueue`. */
export const ENQUEUE_COMMAND_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  window: { type: 'string', valueName: '<N>', help: "frames per window [the model's]" },
  stride: {
    type: 'string',
    valueName: '<S>',
    help: "frames from one window's end to the next [1]",
  },
  fps: { type: 'string', valueName: '<F>', help: "sample at F frames/s [the video's rate]" },
  mode: {
    type: 'string',
    valueName: `<${HEAD_MODES.join('|')}>`,
    help: 'recurrent head mode [window]',
  },
  start: { type: 'string', valueName: '<sec>', help: 'start of the part to label [0]' },
  duration: { type: 'string', valueName: '<sec>', help: 'length of the part to label [all]' },
  ...LIVE_OPTIONS,
  'job-id': {
    type: 'string',
    valueName: '<id>',
    help: 'job id (one URL only); adding an id that exists adds nothing: clients can deduplicate',
  },
  attempts: {
    type: 'string',
    valueName: '<n>',
    help: `tries of a job on transient failures, with exponential backoff [${DEFAULT_ATTEMPTS}]`,
  },
  backoff: {
    type: 'string',
    valueName: '<ms>',
    help: `first retry delay, doubled each retry [${DEFAULT_BACKOFF_MS}]`,
  },
  wait: {
    type: 'boolean',
    help: "wait for the jobs and print each one's summary JSON instead of its id",
  },
  timeout: {
    type: 'string',
    valueName: '<sec>',
    help: 'with --wait: give up after this long (exit 1) [none]',
  },
  ...POLICY_OPTIONS,
  ...PREFIX_OPTION,
  help: { type: 'boolean', help: 'show this help' },
};

const USAGE = `usage: framewise enqueue <url…> [options]

Adds one job per input to the queue "videos" on REDIS_URL and prints each job's id.
An input is a file path (under --media-root) or an http(s), rtsp(s) or rtmp URL.

options (each also settable as FRAMEWISE_<OPTION>):
${formatOptions(ENQUEUE_COMMAND_OPTIONS)}
`;

/** Runs `framewise enqueue`; resolves with the exit status. */
export async function enqueueCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandLine(
    'enqueue',
    args,
    ENQUEUE_COMMAND_OPTIONS,
    io.env,
  );
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    throw new UsageError('enqueue needs at least one input: framewise enqueue <url…> [options]');
  }
  const jobId = values['job-id'] as string | undefined;
  if (jobId !== undefined && (positionals.length > 1 || !JOB_ID.test(jobId))) {
    throw new UsageError(
      positionals.length > 1
        ? `--job-id names one job, got ${positionals.length} inputs`
        : `job-id must be 1 to 128 of A-Z a-z 0-9 . _ - and not all digits, got ${JSON.stringify(jobId)}`,
    );
  }
  const options = parseLabelOptions(values);
  const live = parseLiveOptions(values);
  const attempts = optionalInteger(values, 'attempts', 1) ?? DEFAULT_ATTEMPTS;
  const backoffMs = optionalInteger(values, 'backoff', 0) ?? DEFAULT_BACKOFF_MS;
  const timeoutSec = optionalNumber(values, 'timeout', { min: 0, exclusive: true });
  const policy = parsePolicy(values);
  // Every input is checked before any job is added: one refused input adds nothing.
  const inputs = [];
  for (const url of positionals) inputs.push(await checkInput(url, policy));
  const client = await QueueClient.open(redisUrl(io.env), parsePrefix(values.prefix));
  try {
    const events = values.wait === true ? await client.queueEvents() : undefined;
    const jobs = [];
    for (const input of inputs) {
      jobs.push(
        await client.queue.add('label', videoJobData(input.input, options, live), {
          ...(jobId === undefined ? {} : { jobId }),
          attempts,
          backoff: { type: 'exponential', delay: backoffMs },
          removeOnComplete: { age: KEEP_FINISHED_SEC },
          removeOnFail: { age: KEEP_FINISHED_SEC },
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
