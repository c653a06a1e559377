import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobSummary } from '../output/job-summary.js';
import { checkRedis } from './check-redis.js';
import { cancelChannel, cancelKey, QUEUE_NAME } from './queue-keys.js';
import { bullmqConnection, createRedis } from './redis-connection.js';
import { partIds } from './split-job.js';
import type { VideoJobData } from './video-job.js';

/** Finished jobs are kept this long for `status` and `watch`, in seconds (as the streams). */
export const KEEP_FINISHED_SEC = 7 * 24 * 3600;
/** How long the cancel request is kept for a job no worker has picked up yet, in seconds. */
const CANCEL_FLAG_TTL_SEC = 7 * 24 * 3600;

/** How a job is added: its id and its retries. */
export interface AddJobOptions {
  /** The job's id; BullMQ's next number when absent. Adding an id that exists adds nothing. */
  readonly jobId?: string;
  /** Tries on transient failures. */
  readonly attempts: number;
  /** First retry delay in ms, doubled each retry. */
  readonly backoffMs: number;
}

/** The connections a client command needs: the BullMQ queue and a client for framewise's keys. */
export class QueueClient {
  readonly queue: Queue<VideoJobData, JobSummary>;
  readonly redis: Redis;
  private events: QueueEvents | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly redisUrl: string,
    readonly prefix: string,
  ) {
    this.queue = new Queue<VideoJobData, JobSummary>(QUEUE_NAME, {
      connection: bullmqConnection(redisUrl),
      prefix,
    });
    this.redis = createRedis(redisUrl);
  }

  /** Checks that Redis answers, then connects the queue. */
  static async open(redisUrl: string, prefix: string): Promise<QueueClient> {
    await checkRedis(redisUrl);
    return new QueueClient(redisUrl, prefix);
  }

  /** BullMQ's queue events, opened on first use (waiting for jobs to finish needs them). */
  async queueEvents(): Promise<QueueEvents> {
    if (this.events === undefined) {
      this.events = new QueueEvents(QUEUE_NAME, {
        connection: bullmqConnection(this.redisUrl),
        prefix: this.prefix,
      });
      await this.events.waitUntilReady();
    }
    return this.events;
  }

  /** Adds one labeling job (its payload already checked) and returns it. */
  add(data: VideoJobData, options: AddJobOptions): Promise<Job<VideoJobData, JobSummary>> {
    return this.queue.add('label', data, {
      ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
      attempts: options.attempts,
      backoff: { type: 'exponential', delay: options.backoffMs },
      removeOnComplete: { age: KEEP_FINISHED_SEC },
      removeOnFail: { age: KEEP_FINISHED_SEC },
    });
  }

  /**
   * Asks the workers to stop a job and, when it is split, its parts: the flag first, then the
   * message, so that a worker that picks the job up between the two sees it.
   */
  async requestCancel(jobId: string): Promise<void> {
    // A split job's parts are jobs of their own: each is cancelled, and the parent with them.
    for (const id of [jobId, ...(await partIds(this.redis, this.prefix, jobId))]) {
      await this.redis.set(cancelKey(this.prefix, id), 'cancelled', 'EX', CANCEL_FLAG_TTL_SEC);
      await this.redis.publish(cancelChannel(this.prefix), id);
    }
  }

  /** Withdraws a cancel request (before a cancelled job is retried). */
  async withdrawCancel(jobId: string): Promise<void> {
    const ids = [jobId, ...(await partIds(this.redis, this.prefix, jobId))];
    await this.redis.del(...ids.map((id) => cancelKey(this.prefix, id)));
  }

  /** Closes every connection; a second call returns the same promise. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const steps = [() => this.events?.close(), () => this.queue.close(), () => this.redis.quit()];
      for (const step of steps) {
        try {
          await step();
        } catch {
          // Closing is best effort: the process is about to exit.
        }
      }
    })();
    return this.closing;
  }
}
