import { integer } from './option.js';

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
  metricsPort: integer('metrics-port', {
    min: 0,
    max: MAX_PORT,
    default: 0,
    valueName: '<port>',
    help: 'serve /metrics, /healthz and /readyz on this port, and wait for Redis at start instead of exiting',
    defaultText: '0: off',
  }),
};
