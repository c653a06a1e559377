import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { FramewiseError } from '../errors.js';
import type { JobOutcome } from '../metrics/job-outcome.js';
import type { JobSummary } from '../pipeline/job-summary.js';
import { redactUrl } from '../source/redact-url.js';
import { checkInput } from '../source/url-policy.js';
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
  /** Reads the queue's depth for the metrics; only when the worker serves metrics. */
  private readonly queue: Queue | undefined;
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
    // Without a listener ioredis prints each reconnect failure as plain text, not a log line.
    for (const client of [this.redis, this.subscriber]) {
      client.on('error', (error: Error) =>
        options.logger.warn({ err: error.message }, 'Redis connection error'),
      );
    }
    this.worker.on('failed', (job, error) =>
      options.logger.warn({ ...jobFields(job), err: error.message }, 'job failed'),
    );
    this.worker.on('completed', (job) => options.logger.info(jobFields(job), 'job completed'));
    if (options.metrics !== undefined) {
      // The shared connection: counting jobs needs no blocking connection of its own.
      const queue = new Queue(QUEUE_NAME, { connection: this.redis, prefix: options.prefix });
      queue.on('error', (error) =>
        options.logger.warn({ err: error.message }, 'queue metrics error'),
      );
      options.metrics.observeQueue(() => queue.getJobCounts());
      this.queue = queue;
    }
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

  /** True while the worker's own Redis connection is up (for `/readyz`). */
  isRedisReady(): boolean {
    return this.redis.status === 'ready';
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
    this.options.metrics?.observeQueue(undefined);
    try {
      await this.queue?.close();
    } catch (error) {
      logger.warn({ err: error }, 'closing the metrics queue failed');
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
    // Every line of the job names it and its input; the input's password never.
    const logger = this.options.logger.child(jobFields(job));
    const { metrics } = this.options;
    metrics?.jobStarted();
    let outcome: JobOutcome = 'failed';
    try {
      const { url, options, live } = parseVideoJob(job.data);
      if ((await this.redis.exists(cancelKey(this.options.prefix, jobId))) === 1) {
        outcome = 'cancelled';
        throw new UnrecoverableError('cancelled by framewise cancel before it started');
      }
      const checked = await checkInput(url, this.options.policy);
      logger.info({ attempt: job.attemptsMade + 1 }, 'job started');
      const summary = await runVideoJob({
        jobId,
        live,
        prefix: this.options.prefix,
        redis: this.redis,
        model: this.options.model,
        ...(this.options.encoder === undefined ? {} : { encoder: this.options.encoder }),
        input: checked.ffmpegInput,
        inputArgs: checked.inputArgs,
        options: { ...options, batch: this.options.batch },
        ...(signal === undefined ? {} : { signal }),
        labelsTtlSec: this.options.labelsTtlSec,
        checkpointIntervalMs: this.options.checkpointIntervalMs,
        logger,
        reportProgress: (progress) => job.updateProgress({ ...progress }),
        ...(metrics === undefined ? {} : { metrics: metrics.job }),
      });
      outcome = 'completed';
      return summary;
    } catch (error) {
      const thrown = await this.jobError(error, job, token, signal);
      if (outcome !== 'cancelled') outcome = attemptOutcome(thrown, job, signal);
      throw thrown;
    } finally {
      metrics?.jobEnded(outcome);
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

/** The log fields of a job: its id and its input, password hidden. */
function jobFields(job: Job<VideoJobData, JobSummary> | undefined): {
  jobId: string | undefined;
  source: string | undefined;
} {
  // The payload may be anything another client wrote: only a string url is shown.
  const url: unknown = job?.data?.url;
  return { jobId: job?.id, source: typeof url === 'string' ? redactUrl(url) : undefined };
}

/** How an attempt that threw `error` (as returned by `jobError`) ends, for the metrics. */
function attemptOutcome(
  error: Error,
  job: Job<VideoJobData, JobSummary>,
  signal: AbortSignal | undefined,
): JobOutcome {
  if (error instanceof WaitingError) return 'handed_back';
  if (signal?.aborted === true) return 'cancelled';
  if (error instanceof UnrecoverableError) return 'failed';
  // BullMQ retries while attempts remain; attemptsMade does not count this attempt yet.
  return job.attemptsMade + 1 < (job.opts.attempts ?? 1) ? 'retried' : 'failed';
}
