import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobMetrics } from './job-metrics.js';
import { JOB_OUTCOMES, type JobOutcome } from './job-outcome.js';

/** Prefix of every metric name, the process metrics included. */
export const METRIC_PREFIX = 'framewise_';

/**
 * Upper bounds of the encoder batch histogram, in seconds: from a small model's batch on wasm
 * (milliseconds) to a large one's on the pure-JS `cpu` backend (seconds).
 */
const ENCODER_BATCH_BUCKETS_SEC = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Upper bounds of the capture-to-label histogram, in seconds: live labels within ~1 s is the goal. */
const LATENCY_BUCKETS_SEC = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/**
 * Longest a scrape waits for the queue's job counts, in milliseconds: with Redis down the
 * counts are left out rather than letting Prometheus time the whole scrape out.
 */
const QUEUE_DEPTH_TIMEOUT_MS = 1000;

/** Job counts by BullMQ state (`waiting`, `active`, `delayed`, …), as `Queue.getJobCounts` gives. */
export type QueueDepthSource = () => Promise<Readonly<Record<string, number>>>;

/**
 * The Prometheus metrics of one worker process, in a registry of its own (never prom-client's
 * global one, so that tests and embedders can run several): pipeline counters fed by running
 * jobs through {@link WorkerMetrics.job}, job outcomes and active jobs fed by the worker, the
 * queue's depth read from Redis at each scrape, and Node's process metrics.
 */
export class WorkerMetrics {
  /** The registry `GET /metrics` serves. */
  readonly registry = new Registry();
  /** The hooks a running job calls; shared by every job of the process. */
  readonly job: JobMetrics;
  private readonly jobs: Counter<'outcome'>;
  private readonly active: Gauge;
  private readonly engineInfo: Gauge<'engine'>;
  private queueDepth: QueueDepthSource | undefined;

  constructor() {
    const registers = [this.registry];
    const counter = (name: string, help: string) =>
      new Counter({ name: METRIC_PREFIX + name, help, registers });
    const framesDecoded = counter('frames_decoded_total', 'Frames decoded by ffmpeg.');
    const labelsWritten = counter('labels_written_total', 'Labels written to job streams.');
    const cacheHits = counter(
      'embedding_cache_hits_total',
      'Window frames served from the embedding cache instead of the CNN.',
    );
    const dropped = counter(
      'frames_dropped_total',
      'Live-source frames dropped because the pipeline was behind.',
    );
    const restarts = counter('ffmpeg_restarts_total', 'ffmpeg restarts of live sources.');
    const encoderBatch = new Histogram({
      name: `${METRIC_PREFIX}encoder_batch_duration_seconds`,
      help: 'Wall time of one CNN encoder batch.',
      buckets: ENCODER_BATCH_BUCKETS_SEC,
      registers,
    });
    const latency = new Histogram({
      name: `${METRIC_PREFIX}capture_to_label_latency_seconds`,
      help: 'Time from a live frame being captured to its label being written.',
      buckets: LATENCY_BUCKETS_SEC,
      registers,
    });
    this.job = {
      framesDecoded: (n) => framesDecoded.inc(n),
      labelsWritten: (n) => labelsWritten.inc(n),
      cacheHits: (n) => cacheHits.inc(n),
      droppedFrames: (n) => dropped.inc(n),
      ffmpegRestarts: (n) => restarts.inc(n),
      encoderBatch: (seconds) => encoderBatch.observe(seconds),
      latency: (seconds) => latency.observe(seconds),
    };
    this.jobs = new Counter({
      name: `${METRIC_PREFIX}jobs_total`,
      help: 'Job attempts that ended, by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of JOB_OUTCOMES) this.jobs.inc({ outcome }, 0);
    this.active = new Gauge({
      name: `${METRIC_PREFIX}active_jobs`,
      help: 'Jobs this process is running now.',
      registers,
    });
    this.engineInfo = new Gauge({
      name: `${METRIC_PREFIX}encoder_engine_info`,
      help: 'The engine running the encoder (CNN): 1 for the one in use, by engine.',
      labelNames: ['engine'],
      registers,
    });
    this.registerQueueDepth();
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /** The encoder runs on `engine` (`onnx` or `tfjs`). */
  engine(engine: string): void {
    this.engineInfo.reset();
    this.engineInfo.set({ engine }, 1);
  }

  /** A job attempt started in this process. */
  jobStarted(): void {
    this.active.inc();
  }

  /** A job attempt ended with `outcome`. */
  jobEnded(outcome: JobOutcome): void {
    this.active.dec();
    this.jobs.inc({ outcome });
  }

  /**
   * Where `framewise_queue_jobs` reads the queue's job counts at each scrape; `undefined` (the
   * start, before Redis answers) leaves the metric out.
   */
  observeQueue(source: QueueDepthSource | undefined): void {
    this.queueDepth = source;
  }

  private registerQueueDepth(): void {
    const read = () => this.readQueueDepth();
    new Gauge({
      name: `${METRIC_PREFIX}queue_jobs`,
      help: 'Jobs in the queue by state, read from Redis at each scrape.',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        const counts = await read();
        for (const [state, n] of Object.entries(counts ?? {})) this.set({ state }, n);
      },
    });
  }

  private async readQueueDepth(): Promise<Readonly<Record<string, number>> | undefined> {
    if (this.queueDepth === undefined) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), QUEUE_DEPTH_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.queueDepth().catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
