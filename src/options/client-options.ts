import { choice, flag, integer, number, text } from './option.js';

/** How `enqueue` adds jobs and waits for them. */
export const ENQUEUE_OPTIONS = {
  jobId: text('job-id', {
    // What BullMQ keys can hold safely, and never all digits (BullMQ's own ids are).
    pattern: /^(?!\d+$)[A-Za-z0-9._-]{1,128}$/,
    rule: '1 to 128 of A-Z a-z 0-9 . _ - and not all digits',
    valueName: '<id>',
    help: 'job id (one input only); adding an id that exists adds nothing, so clients can deduplicate',
    defaultText: 'a new id',
  }),
  attempts: integer('attempts', {
    min: 1,
    max: 100,
    default: 3,
    valueName: '<n>',
    help: 'tries of a job on transient failures, with exponential backoff',
  }),
  backoffMs: integer('backoff', {
    min: 0,
    max: 3_600_000,
    default: 2000,
    valueName: '<ms>',
    help: 'first retry delay, doubled each retry',
  }),
  wait: flag('wait', {
    help: "wait for the jobs and print each one's summary JSON instead of its id; exit 1 if a job failed",
  }),
  timeoutSec: number('timeout', {
    min: 0,
    max: 86_400,
    exclusiveMin: true,
    valueName: '<sec>',
    help: 'with --wait: give up after this long (exit 1)',
    defaultText: 'none',
  }),
};

/** How `cancel` waits for a running job to stop. */
export const CANCEL_OPTIONS = {
  timeoutSec: number('timeout', {
    min: 0,
    max: 86_400,
    default: 10,
    valueName: '<sec>',
    help: 'wait this long for a running job to stop; 0 does not wait',
  }),
};

/** How `label` prints. */
export const OUTPUT_OPTIONS = {
  stats: flag('stats', {
    help: 'at the end, print one JSON object of run statistics to stderr (its last line)',
  }),
  format: choice('format', ['jsonl', 'pretty'], {
    help: 'output format: JSON lines, or a human timeline of runs of equal labels',
    defaultText: 'jsonl when stdout is not a terminal, else pretty',
  }),
};
