import type { Logger } from 'pino';
import type { ActiveBackend } from '../model/run/backend.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { BatchEncoder } from '../model/run/batch-encoder.js';
import type { LoadedModel } from '../model/load-model.js';
import type { UrlPolicy } from '../policy/url-policy.js';

/** Options of a {@link VideoWorker}; the CLI parses and checks them at start-up. */
export interface VideoWorkerOptions {
  /** `redis://` or `rediss://` URL of the server holding the queue. */
  readonly redisUrl: string;
  /** Key prefix of the queue and of framewise's own keys. */
  readonly prefix: string;
  /** Jobs run at once in this process, sharing its model. */
  readonly concurrency: number;
  /** How long a job's lock lasts without renewal, in milliseconds (BullMQ `lockDuration`). */
  readonly lockDurationMs: number;
  /** How often stalled jobs are looked for, in milliseconds (BullMQ `stalledInterval`). */
  readonly stalledIntervalMs: number;
  /**
   * On shutdown, how long jobs in flight may run to completion, in milliseconds; after it
   * they are handed back to the queue for another worker.
   */
  readonly shutdownGraceMs: number;
  /** How long a job's labels stream is kept after the job ends, in seconds. */
  readonly labelsTtlSec: number;
  /** Frames per encoder batch. */
  readonly batch: number;
  /** How often a running job's position is saved for resuming, in milliseconds. */
  readonly checkpointIntervalMs: number;
  /** Which inputs may be opened. */
  readonly policy: UrlPolicy;
  /** The model every job of this process runs. */
  readonly model: LoadedModel;
  /**
   * Encodes the frames of every job of this process (threads), merging concurrent jobs'
   * batches.
   * @defaultValue none: each job encodes on the main thread with the model's encoder
   */
  readonly encoder?: BatchEncoder;
  /** The TensorFlow.js backend in use, for logs. */
  readonly backend: ActiveBackend;
  /** Where log lines go. */
  readonly logger: Logger;
  /**
   * Where job outcomes, active jobs, the queue's depth and the running jobs' pipeline figures
   * are counted (`--metrics-port`).
   * @defaultValue none: nothing is counted
   */
  readonly metrics?: WorkerMetrics;
}

/** Defaults of the tunable {@link VideoWorkerOptions}. */
export const VIDEO_WORKER_DEFAULTS = {
  concurrency: 1,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  shutdownGraceMs: 25_000,
  labelsTtlSec: 7 * 24 * 3600,
  batch: 16,
  checkpointIntervalMs: 5000,
} as const;
