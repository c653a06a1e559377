import { pino } from 'pino';
import { optionalInteger } from '../config/option-values.js';
import { parseBackend } from '../config/label-options.js';
import { UsageError } from '../errors.js';
import { useBackend } from '../model/backend.js';
import { bundledModelDir } from '../model/bundled-model.js';
import { loadModel } from '../model/load-model.js';
import { redisUrl } from '../queue/redis-connection.js';
import { VideoWorker } from '../queue/video-worker.js';
import { VIDEO_WORKER_DEFAULTS } from '../queue/video-worker-options.js';
import type { CommandIo } from './command-io.js';
import { formatOptions, parseCommandLine, type OptionSpec } from './parse-command-line.js';
import { PREFIX_OPTION, parsePrefix } from './prefix-option.js';
import { POLICY_OPTIONS, parsePolicy } from './policy-options.js';

/** Options of `framewise worker`. */
export const WORKER_COMMAND_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  concurrency: {
    type: 'string',
    valueName: '<C>',
    help: `jobs run at once in this process, sharing one model [${VIDEO_WORKER_DEFAULTS.concurrency}]`,
  },
  ...POLICY_OPTIONS,
  'lock-duration': {
    type: 'string',
    valueName: '<ms>',
    help: `a job's lock without renewal before it counts as stalled [${VIDEO_WORKER_DEFAULTS.lockDurationMs}]`,
  },
  'stalled-interval': {
    type: 'string',
    valueName: '<ms>',
    help: `how often stalled jobs are looked for [${VIDEO_WORKER_DEFAULTS.stalledIntervalMs}]`,
  },
  'shutdown-grace': {
    type: 'string',
    valueName: '<ms>',
    help: `on SIGTERM, time running jobs get to finish before they are handed back [${VIDEO_WORKER_DEFAULTS.shutdownGraceMs}]`,
  },
  'labels-ttl': {
    type: 'string',
    valueName: '<sec>',
    help: `how long a job's labels stream is kept after the job ends [${VIDEO_WORKER_DEFAULTS.labelsTtlSec}: 7 days]`,
  },
  batch: {
    type: 'string',
    valueName: '<B>',
    help: `frames per encoder batch [${VIDEO_WORKER_DEFAULTS.batch}]`,
  },
  'checkpoint-interval': {
    type: 'string',
    valueName: '<ms>',
    help: `how often a running job's position is saved, to resume it elsewhere after a crash [${VIDEO_WORKER_DEFAULTS.checkpointIntervalMs}]`,
  },
  model: {
    type: 'string',
    valueName: '<dir|URL>',
    help: 'TensorFlow.js Layers model, loaded once per process [bundled demo model]',
  },
  backend: {
    type: 'string',
    valueName: '<auto|tensorflow|wasm|cpu>',
    help: 'TensorFlow.js backend [auto]',
  },
  ...PREFIX_OPTION,
  help: { type: 'boolean', help: 'show this help' },
};

const USAGE = `usage: framewise worker [options]

Takes jobs from the BullMQ queue "videos" on REDIS_URL [redis://127.0.0.1:6379], labels them and
writes each label to the stream <prefix>:labels:<jobId>. Runs until SIGTERM or SIGINT, then
shuts down gracefully.

options (each also settable as FRAMEWISE_<OPTION>):
${formatOptions(WORKER_COMMAND_OPTIONS)}
`;

/** Runs `framewise worker` until the process is told to stop; resolves with the exit status. */
export async function workerCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandLine('worker', args, WORKER_COMMAND_OPTIONS, io.env);
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`worker takes no arguments, got ${JSON.stringify(positionals[0])}`);
  }
  const d = VIDEO_WORKER_DEFAULTS;
  const settings = {
    redisUrl: redisUrl(io.env),
    prefix: parsePrefix(values.prefix),
    concurrency: optionalInteger(values, 'concurrency', 1) ?? d.concurrency,
    lockDurationMs: optionalInteger(values, 'lock-duration', 1000) ?? d.lockDurationMs,
    stalledIntervalMs: optionalInteger(values, 'stalled-interval', 1000) ?? d.stalledIntervalMs,
    shutdownGraceMs: optionalInteger(values, 'shutdown-grace', 0) ?? d.shutdownGraceMs,
    labelsTtlSec: optionalInteger(values, 'labels-ttl', 1) ?? d.labelsTtlSec,
    batch: optionalInteger(values, 'batch', 1) ?? d.batch,
    checkpointIntervalMs:
      optionalInteger(values, 'checkpoint-interval', 100) ?? d.checkpointIntervalMs,
    policy: parsePolicy(values),
  };
  const logger = pino({ base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
  const backend = await useBackend(parseBackend(values.backend as string | undefined));
  const model = await loadModel((values.model as string | undefined) ?? bundledModelDir());
  logger.info({ model: model.source, backend }, 'model loaded');
  if (io.signal.aborted) return 0;
  const worker = await VideoWorker.start({ ...settings, model, backend, logger });
  await new Promise<void>((resolve) =>
    io.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  await worker.close();
  model.dispose();
  logger.info('worker stopped');
  return 0;
}
