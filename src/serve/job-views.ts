import type { Job, JobType } from 'bullmq';
import type { JobSummary } from '../output/job-summary.js';
import { redactUrl, redactUrlsInText } from '../policy/redact-url.js';
import type { JobProgress } from '../queue/job-progress.js';
import type { QueueClient } from '../queue/queue-client.js';
import { partStatuses } from '../queue/split-job.js';
import type { VideoJobData } from '../queue/video-job.js';

/** The states the jobs page filters by, in the order it shows them. */
export const JOB_STATES = [
  'active',
  'waiting',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
] as const satisfies readonly JobType[];

export type JobState = (typeof JOB_STATES)[number];

/** Longest failure reason a listing carries (a job page shows it whole). */
const LISTED_REASON_LENGTH = 300;

/** One job as the jobs page lists it. */
export interface JobRow {
  readonly id: string;
  readonly state: string;
  /** The input, with any password replaced. */
  readonly url: string;
  readonly live: boolean;
  readonly progress: Partial<JobProgress>;
  readonly attempts: number;
  /** When it was added, processed, finished: ms since the epoch. */
  readonly addedAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly failedReason?: string;
  /** The worker running it, or that ran it last (its BullMQ worker name). */
  readonly worker?: string;
}

/** One job as its page shows it: the row, its options and, when it completed, its summary. */
export interface JobDetail extends JobRow {
  readonly options: Readonly<Record<string, unknown>>;
  readonly summary?: JobSummary;
  /** A split job's parts: their ids, states and progress. */
  readonly parts?: readonly { id: string; state: string; progress: unknown }[];
}

/** The listing: counts per state, and the newest jobs of the states asked for. */
export interface JobListing {
  readonly counts: Readonly<Record<string, number>>;
  readonly jobs: readonly JobRow[];
}

/** The newest `limit` jobs in `states`, newest first, with every state's count. */
export async function listJobs(
  client: QueueClient,
  states: readonly JobState[],
  limit: number,
): Promise<JobListing> {
  const counts = await client.queue.getJobCounts(...JOB_STATES);
  const perState = await Promise.all(
    states.map(async (state) => {
      const jobs = await client.queue.getJobs([state], 0, limit - 1, false);
      return jobs.filter((job) => job !== undefined).map((job) => jobRow(job, state));
    }),
  );
  const jobs = perState
    .flat()
    .sort((a, b) => b.addedAt - a.addedAt || compareIds(b.id, a.id))
    .slice(0, limit);
  return { counts, jobs };
}

/** A job's page data; undefined when there is no such job. */
export async function jobDetail(
  client: QueueClient,
  jobId: string,
): Promise<JobDetail | undefined> {
  const job = await client.queue.getJob(jobId);
  if (job === undefined) return undefined;
  const state = await job.getState();
  const row = jobRow(job, state, Infinity);
  const { url: _url, ...options } = (job.data ?? {}) as Partial<VideoJobData>;
  const parts = await partStatuses(client.queue, client.redis, client.prefix, jobId);
  return {
    ...row,
    options,
    ...(parts.length === 0 ? {} : { parts }),
    ...(state === 'completed' && job.returnvalue !== null ? { summary: job.returnvalue } : {}),
  };
}

function jobRow(
  job: Job<VideoJobData, JobSummary>,
  state: string,
  reasonLength = LISTED_REASON_LENGTH,
): JobRow {
  const data = (job.data ?? {}) as Partial<VideoJobData>;
  const url = typeof data.url === 'string' ? redactUrl(data.url) : '';
  const progress =
    typeof job.progress === 'object' && job.progress !== null
      ? (job.progress as Partial<JobProgress>)
      : {};
  const reason = job.failedReason;
  return {
    id: job.id ?? '',
    state,
    url,
    live: data.live === true,
    progress,
    attempts: job.attemptsMade,
    addedAt: job.timestamp,
    ...(job.processedOn === undefined ? {} : { startedAt: job.processedOn }),
    ...(job.finishedOn === undefined ? {} : { finishedAt: job.finishedOn }),
    ...(reason === undefined || reason === ''
      ? {}
      : { failedReason: clipText(redactUrlsInText(reason), reasonLength) }),
    ...(job.processedBy === undefined ? {} : { worker: job.processedBy }),
  };
}

function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** BullMQ's own ids are numbers: order them as numbers, others as text. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
