/**
 * How one attempt at a job ended, the `outcome` label of `framewise_jobs_total`:
 * - `completed`: the job finished and returned its summary;
 * - `failed`: it failed for good (a permanent error, or its last attempt);
 * - `retried`: it failed and BullMQ will try it again after a backoff;
 * - `cancelled`: `framewise cancel` stopped it;
 * - `handed_back`: the worker shut down and put it back in the queue for another worker;
 * - `split`: the worker split the file into parts (jobs of their own) and the job waits for them.
 */
export type JobOutcome = 'completed' | 'failed' | 'retried' | 'cancelled' | 'handed_back' | 'split';

/** Every {@link JobOutcome}, so that each series exists (at 0) before its first job. */
export const JOB_OUTCOMES: readonly JobOutcome[] = [
  'completed',
  'failed',
  'retried',
  'cancelled',
  'handed_back',
  'split',
];
