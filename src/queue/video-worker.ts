import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { FramewiseError } from '../errors.js';
import type { JobSummary } from '../pipeline/job-summary.js';
import { checkInput, redactUrl } from '../source/url-policy.js';
import { checkRedis } from './check-redis.js';
import { CheckpointStore } from './checkpoint-store.js';
import { cancelChannel, cancelKey, QUEUE_NAME } from './queue-keys.js';
import { runVideoJob } from './run-video-job.js';
import { bullmqConnection, createRedis } from './redis-connection.js';
import { parseVideoJob, type VideoJobData } from './video-job.js';
import type { VideoWorkerOptions } from './video-worker-options.js';

/** Abort reason of jobs stopped because the worker shuts down: they go back to the queue. */
const SHUTDOWN = 'framewise:shutdown';

/**
 * A BullMQ worker on the `videos` queue: runs the labeling pipeline for each job with the
 * process's one model, writes labels to the job's stream as they come, and returns the summary.
 * Permanent failures (bad payload, refused URL, not a video, model mismatch) fail the job
 * without retries; others are retried by BullMQ with backoff. `close()` stops taking jobs, lets
 * the running ones finish within the grace period and hands the rest back to the queue.
 */
export class VideoWorker {
  private readonly worker: Worker<VideoJobData, JobSummary>;
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly checkpoints: CheckpointStore;
  private closing: Promise<void> | undefined;

  private constructor(private readonly options: VideoWorkerOptions) {
    this.redis = createRedis(options.redisUrl);
    this.subscriber = createRedis(options.redisUrl);
    this.checkpoints = new CheckpointStore(this.redis, options.prefix, options.labelsTtlSec);
    this.worker = new Worker<VideoJobData, JobSummary>(
      QUEUE_NAME,
      (job, token, signal) => this.process(job, token, signal),
      {
        connection: bullmqConnection(options.redisUrl),
        prefix: options.prefix,
        concurrency: options.concurrency,
        lockDuration: options.lockDurationMs,
        stalledInterval: options.stalledIntervalMs,
        autorun: false,
      },
    );
    this.worker.on('error', (error) => options.logger.error({ err: error }, 'worker error'));
    this.worker.on('failed', (job, error) =>
      options.logger.warn({ jobId: job?.id, err: error.message }, 'job failed'),
    );
    this.worker.on('completed', (job) => options.logger.info({ jobId: job.id }, 'job completed'));
  }

  /** Connects, subscribes to cancellations and starts taking jobs. */
  static async start(options: VideoWorkerOptions): Promise<VideoWorker> {
    await checkRedis(options.redisUrl);
    const worker = new VideoWorker(options);
    await worker.listenForCancellations();
    await worker.warnAboutEviction();
    void worker.worker
      .run()
      .catch((error: unknown) => options.logger.error({ err: error }, 'worker stopped'));
    await worker.worker.waitUntilReady();
    options.logger.info(
      {
        queue: QUEUE_NAME,
        prefix: options.prefix,
        concurrency: options.concurrency,
        backend: options.backend,
      },
      'worker ready',
    );
    return worker;
  }

  /** True once BullMQ's connection is up. */
  isRunning(): boolean {
    return this.worker.isRunning();
  }

  /**
   * Stops taking jobs; lets the running ones finish within the grace period, hands the others
   * back to the queue (their ffmpeg killed), then closes every connection. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const { logger, shutdownGraceMs } = this.options;
    logger.info({ graceMs: shutdownGraceMs }, 'shutting down: no new jobs');
    const closed = this.worker.close();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => {
      timer = setTimeout(() => resolve('grace over'), shutdownGraceMs);
    });
    try {
      if ((await Promise.race([closed, graceOver])) === 'grace over') {
        logger.warn('grace period over: handing the running jobs back to the queue');
        this.worker.cancelAllJobs(SHUTDOWN);
        await closed;
      }
    } finally {
      clearTimeout(timer);
    }
    for (const client of [this.subscriber, this.redis]) {
      try {
        await client.quit();
      } catch (error) {
        logger.warn({ err: error }, 'closing a Redis connection failed');
      }
    }
  }

  private async listenForCancellations(): Promise<void> {
    const channel = cancelChannel(this.options.prefix);
    this.subscriber.on('message', (from: string, jobId: string) => {
      if (from !== channel) return;
      if (this.worker.cancelJob(jobId, 'cancelled by framewise cancel')) {
        this.options.logger.info({ jobId }, 'cancelling job');
      }
    });
    await this.subscriber.subscribe(channel);
  }

  /** BullMQ loses jobs when Redis evicts keys: say so at start (managed Redis may hide CONFIG). */
  private async warnAboutEviction(): Promise<void> {
    try {
      const reply = (await this.redis.config('GET', 'maxmemory-policy')) as string[];
      const policy = reply[1];
      if (policy !== undefined && policy !== 'noeviction') {
        this.options.logger.warn(
          { maxmemoryPolicy: policy },
          'Redis maxmemory-policy is not noeviction: under memory pressure Redis may evict queue keys and lose jobs; set maxmemory-policy noeviction',
        );
      }
    } catch {
      // CONFIG is often disabled on managed Redis; nothing to check then.
    }
  }

  private async process(
    job: Job<VideoJobData, JobSummary>,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<JobSummary> {
    const jobId = job.id ?? '';
    const logger = this.options.logger.child({ jobId });
    try {
      const { url, options } = parseVideoJob(job.data);
      if ((await this.redis.exists(cancelKey(this.options.prefix, jobId))) === 1) {
        throw new UnrecoverableError('cancelled by framewise cancel before it started');
      }
      const checked = await checkInput(url, this.options.policy);
      logger.info(
        { source: redactUrl(checked.input), attempt: job.attemptsMade + 1 },
        'job started',
      );
      return await runVideoJob({
        jobId,
        prefix: this.options.prefix,
        redis: this.redis,
        model: this.options.model,
        input: checked.ffmpegInput,
        inputArgs: checked.inputArgs,
        options: { ...options, batch: this.options.batch },
        ...(signal === undefined ? {} : { signal }),
        labelsTtlSec: this.options.labelsTtlSec,
        checkpointIntervalMs: this.options.checkpointIntervalMs,
        logger,
        reportProgress: (progress) => job.updateProgress({ ...progress }),
      });
    } catch (error) {
      throw await this.jobError(error, job, token, signal);
    }
  }

  /** What to throw for a failed attempt: hand back, fail for good, or let BullMQ retry. */
  private async jobError(
    error: unknown,
    job: Job<VideoJobData, JobSummary>,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Error> {
    if (signal?.aborted === true && signal.reason === SHUTDOWN) {
      await job.moveToWait(token);
      return new WaitingError();
    }
    if (signal?.aborted === true)
      return new UnrecoverableError(`cancelled: ${String(signal.reason)}`);
    if (error instanceof UnrecoverableError) return error;
    if (error instanceof FramewiseError && error.permanent)
      return new UnrecoverableError(error.message);
    return error instanceof Error ? error : new Error(String(error));
  }
}
