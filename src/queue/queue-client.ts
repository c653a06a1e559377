import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobSummary } from '../output/job-summary.js';
import { checkRedis } from './check-redis.js';
import { QUEUE_NAME } from './queue-keys.js';
import { bullmqConnection, createRedis } from './redis-connection.js';
import type { VideoJobData } from './video-job.js';

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
