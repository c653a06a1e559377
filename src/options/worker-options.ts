import { MAX_INPUT_PIXELS } from '../decode/frame-source-options.js';
import { integer, number } from './option.js';

/** Highest TCP port number. */
const MAX_PORT = 65_535;
/** Seconds in a week: how long finished jobs' labels are kept by default. */
const WEEK_SEC = 7 * 24 * 3600;

/** How a worker process runs its jobs: the tunable settings of `framewise worker`. */
export const WORKER_OPTIONS = {
  concurrency: integer('concurrency', {
    min: 1,
    max: 256,
    default: 1,
    valueName: '<C>',
    help: 'jobs run at once in this process; they share one loaded model',
  }),
  lockDurationMs: integer('lock-duration', {
    min: 1000,
    max: 3_600_000,
    default: 30_000,
    valueName: '<ms>',
    help: "a job's lock without renewal before it counts as stalled (BullMQ lockDuration)",
  }),
  stalledIntervalMs: integer('stalled-interval', {
    min: 1000,
    max: 3_600_000,
    default: 30_000,
    valueName: '<ms>',
    help: 'how often stalled jobs are looked for (BullMQ stalledInterval)',
  }),
  shutdownGraceMs: integer('shutdown-grace', {
    min: 0,
    max: 3_600_000,
    default: 25_000,
    valueName: '<ms>',
    help: 'on SIGTERM or SIGINT, how long running jobs may finish before they are handed back',
  }),
  labelsTtlSec: integer('labels-ttl', {
    min: 1,
    max: 365 * 86_400,
    default: WEEK_SEC,
    valueName: '<sec>',
    help: "how long a job's labels stream is kept after the job ends",
    defaultText: `${WEEK_SEC}: 7 days`,
  }),
  checkpointIntervalMs: integer('checkpoint-interval', {
    min: 100,
    max: 3_600_000,
    default: 5000,
    valueName: '<ms>',
    help: "how often a running job's position is saved, to resume it elsewhere after a crash",
  }),
  maxInputPixels: integer('max-input-pixels', {
    min: 1,
    max: 2 ** 31 - 1,
    default: MAX_INPUT_PIXELS,
    valueName: '<px>',
    help: 'largest input frame (width × height before scaling); a job with larger frames fails for good',
    defaultText: `${MAX_INPUT_PIXELS}: 8192 × 8192`,
  }),
  maxInputSeconds: number('max-input-seconds', {
    min: 1,
    max: 10_000_000,
    default: 86_400,
    valueName: '<sec>',
    help: "longest part of a file a job labels (by the file's duration, --start and --duration); a longer one fails for good (not live jobs)",
    defaultText: '86400: a day',
  }),
  maxFrames: integer('max-frames', {
    min: 1,
    max: 1_000_000_000,
    default: 10_000_000,
    valueName: '<n>',
    help: 'most frames a file job labels; the job fails for good at the next one (not live jobs)',
  }),
  metricsPort: integer('metrics-port', {
    min: 0,
    max: MAX_PORT,
    default: 0,
    valueName: '<port>',
    help: 'serve /metrics, /healthz and /readyz on this port, and wait for Redis at start instead of exiting',
    defaultText: '0: off',
  }),
};
