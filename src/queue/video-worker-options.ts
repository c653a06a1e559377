import type { Logger } from 'pino';
import type { ActiveBackend } from '../model/run/backend.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { BatchEncoder } from '../model/run/batch-encoder.js';
import type { RunnableModel } from '../model/runnable-model.js';
import type { UrlPolicy } from '../policy/url-policy.js';
import type { OptionValues } from '../options/option.js';
import type { WORKER_OPTIONS } from '../options/worker-options.js';

/** The worker's tunable settings, as {@link WORKER_OPTIONS} declares and checks them. */
type WorkerSettings = Readonly<Omit<OptionValues<typeof WORKER_OPTIONS>, 'metricsPort'>>;

/**
 * Options of a {@link VideoWorker}: the settings of {@link WORKER_OPTIONS} (`concurrency`,
 * `lockDurationMs`, `stalledIntervalMs`, `shutdownGraceMs`, `labelsTtlSec`,
 * `checkpointIntervalMs`, `maxInputPixels`, `maxInputSeconds`, `maxFrames`; each documented
 * there with its unit and default), then what the
 * worker runs with.
 */
export interface VideoWorkerOptions extends WorkerSettings {
  /** `redis://` or `rediss://` URL of the server holding the queue. */
  readonly redisUrl: string;
  /** Key prefix of the queue and of framewise's own keys. */
  readonly prefix: string;
  /** Frames per encoder batch. */
  readonly batch: number;
  /** Which inputs may be opened. */
  readonly policy: UrlPolicy;
  /** The model every job of this process runs. */
  readonly model: RunnableModel;
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
  /**
   * Where this worker's `/metrics` can be read, shown on the dashboard's health page.
   * @defaultValue none
   */
  readonly metricsUrl?: string;
  /**
   * Split file jobs longer than this many seconds into parts of this length (`--split-over`);
   * 0 or absent: only jobs that ask (`split`).
   */
  readonly splitOverSec?: number;
}
