import { hostname } from 'node:os';
import {
  Queue,
  UnrecoverableError,
  WaitingChildrenError,
  WaitingError,
  Worker,
  type Job,
} from 'bullmq';
import type { Logger } from 'pino';
import { scanFrameTimes } from '../decode/frame-times.js';
import type { LabelOptions } from '../options/label-options.js';
import type { CheckedInput } from '../policy/url-policy.js';
import { EgressProxy, type EgressSession } from '../decode/egress-proxy.js';
import { clip } from '../options/option.js';
import { whyNoLabels } from '../pipeline/label-counters.js';
import type { Redis } from 'ioredis';
import { FramewiseError, InputError, UrlRefusedError } from '../errors.js';
import type { JobOutcome } from '../metrics/job-outcome.js';
import type { JobSummary } from '../output/job-summary.js';
import { redactUrl } from '../policy/redact-url.js';
import { checkInput } from '../policy/url-policy.js';
import { checkRedis } from './check-redis.js';
import { CheckpointStore } from './checkpoint-store.js';
import { KEEP_FINISHED_SEC } from './queue-client.js';
import { cancelChannel, cancelKey, labelsKey, QUEUE_NAME } from './queue-keys.js';
import {
  partJobId,
  PART_JOB_NAME,
  planParts,
  SplitStore,
  type PartSpec,
  type Published,
} from './split-job.js';
import { runVideoJob } from './run-video-job.js';
import { bullmqConnection, createRedis } from './redis-connection.js';
import { checkSplittable, parseVideoJob, type VideoJob, type VideoJobData } from './video-job.js';
import { newWorkerName, WorkerBeacon } from './worker-beacon.js';
import type { VideoWorkerOptions } from './video-worker-options.js';

/** Abort reason of jobs stopped because the worker shuts down: they go back to the queue. */
const SHUTDOWN = 'framewise:shutdown';
/** How long each step of closing may wait on Redis once the jobs' grace is over. */
const REDIS_CLOSE_MS = 3000;
/** How often the shutdown checks whether the running jobs have ended. */
const POLL_MS = 100;

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
  /** Jobs between the start and the end of {@link VideoWorker.process}. */
  private running = 0;
  /** Every http(s) connection a job's ffmpeg makes goes through it, checked by the policy. */
  private readonly egress: EgressProxy;
  /** Adds the parts of split jobs and reads their parents. */
  private readonly jobs: Queue<VideoJobData, JobSummary>;
  /** Split jobs' plans and the publishing of their parts' labels. */
  private readonly splits: SplitStore;
  /** This worker's card for the dashboard's health page. */
  private readonly beacon: WorkerBeacon;
  /** Its BullMQ worker name, stored on every job it takes (`processedBy`). */
  readonly name = newWorkerName();

  private constructor(private readonly options: VideoWorkerOptions) {
    this.redis = createRedis(options.redisUrl);
    this.subscriber = createRedis(options.redisUrl);
    this.checkpoints = new CheckpointStore(this.redis, options.prefix, options.labelsTtlSec);
    this.egress = new EgressProxy({
      allowPrivate: options.policy.allowPrivate,
      ...(options.policy.lookup === undefined ? {} : { lookup: options.policy.lookup }),
    });
    this.worker = new Worker<VideoJobData, JobSummary>(
      QUEUE_NAME,
      (job, token, signal) => this.process(job, token, signal),
      {
        connection: bullmqConnection(options.redisUrl),
        prefix: options.prefix,
        name: this.name,
        concurrency: options.concurrency,
        lockDuration: options.lockDurationMs,
        stalledInterval: options.stalledIntervalMs,
        autorun: false,
      },
    );
    this.jobs = new Queue<VideoJobData, JobSummary>(QUEUE_NAME, {
      connection: this.redis,
      prefix: options.prefix,
    });
    this.jobs.on('error', (error) => options.logger.warn({ err: error.message }, 'queue error'));
    this.splits = new SplitStore(this.redis, options.prefix, options.labelsTtlSec);
    this.beacon = new WorkerBeacon(this.redis, options.prefix, {
      name: this.name,
      host: hostname(),
      pid: process.pid,
      startedAt: Date.now(),
      concurrency: options.concurrency,
      ...(options.metricsUrl === undefined ? {} : { metricsUrl: options.metricsUrl }),
    });
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
    await worker.beacon.start();
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

  /**
   * Every wait here is bounded, because a command to a Redis that is down waits for it to come
   * back. BullMQ's own `close()` waits on Redis at each step and cannot be forced once begun,
   * so the worker pauses (takes no new job), gives the running jobs the grace period, hands back
   * those still running (each waits at most {@link REDIS_CLOSE_MS} on Redis), and only then
   * closes BullMQ, forced: nothing is left to wait for. Connections that do not close in time
   * are dropped. A job that could not be handed back is not lost: its lock expires and another
   * worker takes it up as stalled.
   */
  private async shutdown(): Promise<void> {
    const { logger, shutdownGraceMs } = this.options;
    logger.info({ graceMs: shutdownGraceMs }, 'shutting down: no new jobs');
    await settlesWithin(this.worker.pause(true), REDIS_CLOSE_MS);
    const idle = () => this.running === 0;
    if (!(await holdsWithin(idle, shutdownGraceMs))) {
      logger.warn('grace period over: handing the running jobs back to the queue');
      this.worker.cancelAllJobs(SHUTDOWN);
      await holdsWithin(idle, REDIS_CLOSE_MS);
    }
    if (!(await settlesWithin(this.worker.close(true), REDIS_CLOSE_MS))) {
      logger.warn({ redis: this.redis.status }, 'Redis does not answer: dropping the connections');
      await settlesWithin(this.worker.disconnect(), REDIS_CLOSE_MS);
    }
    this.options.metrics?.observeQueue(undefined);
    if (this.queue !== undefined && !(await settlesWithin(this.queue.close(), REDIS_CLOSE_MS))) {
      logger.warn('closing the metrics queue timed out');
    }
    await settlesWithin(this.jobs.close(), REDIS_CLOSE_MS);
    if (!(await settlesWithin(this.beacon.stop(), REDIS_CLOSE_MS))) {
      logger.warn('removing the worker card timed out');
    }
    for (const client of [this.subscriber, this.redis]) {
      // QUIT fails at once while reconnecting, and the reconnect timer would keep running.
      await settlesWithin(client.quit(), REDIS_CLOSE_MS);
      if (client.status !== 'end') client.disconnect();
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
    this.running++;
    let outcome: JobOutcome = 'failed';
    let egress: EgressSession | undefined;
    let url: string | undefined;
    try {
      const { data: payload, part } = splitPartData(job);
      const parsed = parseVideoJob(payload);
      const { options, live } = parsed;
      url = parsed.url;
      if ((await this.redis.exists(cancelKey(this.options.prefix, jobId))) === 1) {
        outcome = 'cancelled';
        throw new UnrecoverableError('cancelled by framewise cancel before it started');
      }
      const checked = await checkInput(url, this.options.policy);
      logger.info({ attempt: job.attemptsMade + 1 }, 'job started');
      if (part === undefined && live === undefined && checked.kind === 'file') {
        const split = await this.splitIfAsked(job, token, parsed, checked, logger, signal);
        if (split === 'waiting') {
          outcome = 'split';
          throw new WaitingChildrenError();
        }
        if (split !== undefined) {
          outcome = 'completed';
          return split;
        }
      }
      egress =
        checked.kind === 'http' || checked.kind === 'https'
          ? await this.egress.session()
          : undefined;
      const summary = await runVideoJob({
        jobId,
        live,
        prefix: this.options.prefix,
        redis: this.redis,
        model: this.options.model,
        ...(this.options.encoder === undefined ? {} : { encoder: this.options.encoder }),
        input: checked.ffmpegInput,
        inputArgs:
          egress === undefined
            ? checked.inputArgs
            : [...checked.inputArgs, '-http_proxy', egress.url],
        options: { ...options, batch: this.options.batch },
        limits: {
          maxInputPixels: this.options.maxInputPixels,
          // A live stream is endless: only its frame size is limited.
          ...(live === undefined
            ? { maxInputSeconds: this.options.maxInputSeconds, maxFrames: this.options.maxFrames }
            : {}),
        },
        ...(signal === undefined ? {} : { signal }),
        labelsTtlSec: this.options.labelsTtlSec,
        checkpointIntervalMs: this.options.checkpointIntervalMs,
        logger,
        reportProgress: (progress) => job.updateProgress({ ...progress }),
        ...(metrics === undefined ? {} : { metrics: metrics.job }),
        ...(part === undefined ? {} : { part: part.spec }),
      });
      if (part !== undefined) {
        // Its labels are whole in its own stream: into the parent's, after every part before it.
        await this.splits.markDone(part.parentId, part.spec.index);
        await this.splits.publish(part.parentId, (published) =>
          this.reportParentProgress(part.parentId, published),
        );
      }
      outcome = 'completed';
      const none = whyNoLabels(summary, options.window ?? this.options.model.defaultWindow);
      if (none !== undefined) logger.warn({ reason: none }, 'job gave no labels');
      return summary;
    } catch (error) {
      const thrown = await this.jobError(egressRefusal(egress, url) ?? error, job, token, signal);
      if (outcome !== 'cancelled') outcome = attemptOutcome(thrown, job, signal);
      throw thrown;
    } finally {
      await egress?.close();
      this.running--;
      metrics?.jobEnded(outcome);
    }
  }

  /**
   * A file job to split (its `split`, or the worker's `--split-over` for a longer file): the
   * first time, lists the file's frames, plans the parts, adds them as child jobs and returns
   * `'waiting'` (the job waits for its children); once every part is done, publishes what is
   * left and returns the summary of the whole file. Undefined: not split, run it whole.
   */
  private async splitIfAsked(
    job: Job<VideoJobData, JobSummary>,
    token: string | undefined,
    parsed: VideoJob,
    checked: CheckedInput,
    logger: Logger,
    signal: AbortSignal | undefined,
  ): Promise<JobSummary | 'waiting' | undefined> {
    const jobId = job.id ?? '';
    let state = await this.splits.load(jobId);
    if (state === undefined) {
      const partSec = parsed.splitSec ?? this.splitOver(parsed.options);
      if (partSec === undefined) return undefined;
      const times = await scanFrameTimes({
        input: checked.ffmpegInput,
        inputArgs: checked.inputArgs,
        maxFrames: this.options.maxFrames,
        ...(signal === undefined ? {} : { signal }),
      });
      const seconds = times[times.length - 1]! - times[0]!;
      if (parsed.splitSec === undefined && seconds <= partSec) return undefined;
      if (seconds > this.options.maxInputSeconds) {
        throw new InputError(
          'FW_ERR_INPUT_TOO_LARGE',
          `the input is ${Math.round(seconds)} s long, longer than this worker labels (--max-input-seconds ${this.options.maxInputSeconds})`,
        );
      }
      const { options } = parsed;
      const parts = planParts({
        times,
        partSec,
        window: options.window ?? this.options.model.defaultWindow,
        stride: options.stride,
        ...(options.fps === undefined ? {} : { fps: options.fps }),
      });
      if (parts.length < 2) return undefined;
      await this.splits.create(jobId, parts);
      state = (await this.splits.load(jobId))!;
      logger.info({ parts: state.parts.length, partSec }, 'split into parts');
    }
    if (!state.added) {
      // Adding an id that exists adds nothing: a planning step run again adds no part twice.
      for (const spec of state.parts) {
        await this.jobs.add(
          PART_JOB_NAME,
          { ...job.data, part: { parent: jobId, ...spec } } as VideoJobData,
          {
            jobId: partJobId(jobId, spec.index),
            parent: { id: jobId, queue: job.queueQualifiedName },
            failParentOnFailure: true,
            attempts: job.opts.attempts ?? 1,
            ...(job.opts.backoff === undefined ? {} : { backoff: job.opts.backoff }),
            removeOnComplete: { age: KEEP_FINISHED_SEC },
            removeOnFail: { age: KEEP_FINISHED_SEC },
          },
        );
      }
      await this.splits.markAdded(jobId);
    }
    if (token !== undefined && (await job.moveToWaitingChildren(token))) return 'waiting';
    // Every part is done: what no part's worker published yet goes out now.
    const next = await this.splits.publish(jobId, (published) =>
      this.reportParentProgress(jobId, published),
    );
    if (next < state.parts.length) {
      throw new Error(`parts ${next} to ${state.parts.length - 1} are not published yet`);
    }
    const values = await job.getChildrenValues<JobSummary>();
    const lastPart =
      values[`${job.queueQualifiedName}:${partJobId(jobId, state.parts.length - 1)}`];
    if (lastPart === undefined) throw new Error(`the last part of job ${jobId} left no summary`);
    const summary = await this.splits.summary(jobId, lastPart, state.startedAt);
    await this.splits.remove(jobId);
    return summary;
  }

  /** `--split-over`: the part length for a file job that may be split, else undefined. */
  private splitOver(options: LabelOptions): number | undefined {
    const over = this.options.splitOverSec ?? 0;
    if (over <= 0) return undefined;
    try {
      checkSplittable(options, false);
    } catch {
      return undefined;
    }
    return over;
  }

  /** The parent's progress, as its parts' labels reach its stream. */
  private async reportParentProgress(parentId: string, published: Published): Promise<void> {
    const parent = await this.jobs.getJob(parentId);
    const windows = await this.redis.xlen(labelsKey(this.options.prefix, parentId));
    await parent?.updateProgress({
      frames: published.last === undefined ? 0 : published.last.frame + 1,
      dropped: 0,
      gaps: 0,
      windows,
      t: published.last?.t ?? 0,
      fps: 0,
      parts: published.parts,
      partsPublished: published.published,
    });
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
    if (error instanceof UnrecoverableError || error instanceof WaitingChildrenError) return error;
    if (error instanceof FramewiseError && error.permanent)
      return new UnrecoverableError(error.message);
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** The log fields of a job: its id and its input, password hidden. */
/** Most characters of a job's url in its log lines. */
const MAX_SHOWN = 300;

function jobFields(job: Job<VideoJobData, JobSummary> | undefined): {
  jobId: string | undefined;
  source: string | undefined;
} {
  // The payload may be anything another client wrote: only a string url is shown.
  const url: unknown = job?.data?.url;
  // Cut first: a url of any length must not make each of the job's log lines as long.
  const source =
    typeof url === 'string' ? clip(redactUrl(url.slice(0, 2 * MAX_SHOWN)), MAX_SHOWN) : undefined;
  return { jobId: job?.id, source };
}

/** How an attempt that threw `error` (as returned by `jobError`) ends, for the metrics. */
function attemptOutcome(
  error: Error,
  job: Job<VideoJobData, JobSummary>,
  signal: AbortSignal | undefined,
): JobOutcome {
  if (error instanceof WaitingError) return 'handed_back';
  if (error instanceof WaitingChildrenError) return 'split';
  if (signal?.aborted === true) return 'cancelled';
  if (error instanceof UnrecoverableError) return 'failed';
  // BullMQ retries while attempts remain; attemptsMade does not count this attempt yet.
  return job.attemptsMade + 1 < (job.opts.attempts ?? 1) ? 'retried' : 'failed';
}

/** True once `promise` settles (resolved or rejected: the caller only waits), false after `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(done, done), late]);
  } finally {
    clearTimeout(timer);
  }
}

function done(): true {
  return true;
}

/** True as soon as `condition()` holds (checked every {@link POLL_MS}), false after `ms`. */
async function holdsWithin(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

/**
 * The job's failure as the egress proxy saw it: ffmpeg was sent somewhere the policy refuses
 * (a redirect, a playlist entry, a name that now resolves elsewhere). Permanent.
 */
function egressRefusal(
  egress: EgressSession | undefined,
  url: string | undefined,
): UrlRefusedError | undefined {
  const refusal = egress?.refusals[0];
  if (refusal === undefined) return undefined;
  return new UrlRefusedError(
    `refused a connection of ${clip(redactUrl(url ?? ''), MAX_SHOWN)}: ffmpeg was sent to ${refusal.host}:${refusal.port}, and ${refusal.reason} (a redirect, a playlist entry or a changed DNS answer); start the worker with --allow-private if this source is trusted`,
  );
}

/**
 * A job's payload without its part, and the part: a part of a split job carries the parent's
 * payload and `part: {parent, index, from, fromT, to?}`, which only workers write.
 */
function splitPartData(job: Job<VideoJobData, JobSummary>): {
  data: unknown;
  part?: { parentId: string; spec: PartSpec };
} {
  if (job.name !== PART_JOB_NAME) return { data: job.data };
  const {
    part,
    split: _split,
    ...data
  } = job.data as VideoJobData & {
    part?: Record<string, unknown>;
  };
  const number = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
  const index = number(part?.index);
  const from = number(part?.from);
  const fromT = number(part?.fromT);
  const to = part?.to === undefined ? undefined : number(part.to);
  if (
    typeof part?.parent !== 'string' ||
    index === undefined ||
    from === undefined ||
    fromT === undefined ||
    (part.to !== undefined && to === undefined)
  ) {
    throw new UnrecoverableError(
      `part job ${job.id} has no valid part: ${clip(JSON.stringify(part), 200)}`,
    );
  }
  return {
    data,
    part: {
      parentId: part.parent,
      spec: { index, from, fromT, ...(to === undefined ? {} : { to }) },
    },
  };
}
