import type { Logger } from 'pino';
import { optionalInteger } from '../options/option-values.js';
import { parseBackend } from '../options/label-options.js';
import { AbortError, UsageError } from '../errors.js';
import { useBackend } from '../model/run/backend.js';
import { bundledModelDir } from '../model/load/bundled-model.js';
import type { EncoderPool } from '../model/run/encoder-pool.js';
import { startEncoderThreads, THREADS_OPTION } from './threads-option.js';
import { loadModel } from '../model/load-model.js';
import { warmUp } from '../model/warm-up.js';
import { MetricsServer } from '../metrics/metrics-server.js';
import { Readiness } from '../metrics/readiness.js';
import { WorkerMetrics } from '../metrics/worker-metrics.js';
import { redisUrl } from '../queue/redis-connection.js';
import { VideoWorker } from '../queue/video-worker.js';
import { VIDEO_WORKER_DEFAULTS, type VideoWorkerOptions } from '../queue/video-worker-options.js';
import { waitForRedis } from '../queue/wait-for-redis.js';
import type { CommandIo } from './command-io.js';
import { formatOptions, parseCommandLine, type OptionSpec } from './parse-command-line.js';
import { PREFIX_OPTION, parsePrefix } from './prefix-option.js';
import { POLICY_OPTIONS, parsePolicy } from './policy-options.js';
import { createWorkerLogger } from './worker-logger.js';

/** Highest TCP port number. */
const MAX_PORT = 65_535;

/** Options of `framewise worker`. */
export const WORKER_COMMAND_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  concurrency: {
    type: 'string',
    valueName: '<C>',
    help: `jobs run at once in this process, sharing one model [${VIDEO_WORKER_DEFAULTS.concurrency}]`,
  },
  ...POLICY_OPTIONS,
  'lock-duration': {
    type: 'string',
    valueName: '<ms>',
    help: `a job's lock without renewal before it counts as stalled [${VIDEO_WORKER_DEFAULTS.lockDurationMs}]`,
  },
  'stalled-interval': {
    type: 'string',
    valueName: '<ms>',
    help: `how often stalled jobs are looked for [${VIDEO_WORKER_DEFAULTS.stalledIntervalMs}]`,
  },
  'shutdown-grace': {
    type: 'string',
    valueName: '<ms>',
    help: `on SIGTERM, time running jobs get to finish before they are handed back [${VIDEO_WORKER_DEFAULTS.shutdownGraceMs}]`,
  },
  'labels-ttl': {
    type: 'string',
    valueName: '<sec>',
    help: `how long a job's labels stream is kept after the job ends [${VIDEO_WORKER_DEFAULTS.labelsTtlSec}: 7 days]`,
  },
  batch: {
    type: 'string',
    valueName: '<B>',
    help: `frames per encoder batch [${VIDEO_WORKER_DEFAULTS.batch}]`,
  },
  'checkpoint-interval': {
    type: 'string',
    valueName: '<ms>',
    help: `how often a running job's position is saved, to resume it elsewhere after a crash [${VIDEO_WORKER_DEFAULTS.checkpointIntervalMs}]`,
  },
  model: {
    type: 'string',
    valueName: '<dir|URL>',
    help: 'TensorFlow.js Layers model, loaded once per process [bundled demo model]',
  },
  backend: {
    type: 'string',
    valueName: '<auto|tensorflow|wasm|cpu>',
    help: 'TensorFlow.js backend [auto]',
  },
  ...THREADS_OPTION,
  'metrics-port': {
    type: 'string',
    valueName: '<port>',
    help: 'serve /metrics, /healthz and /readyz on this port, and wait for Redis at start instead of exiting [0: off]',
  },
  ...PREFIX_OPTION,
  help: { type: 'boolean', help: 'show this help' },
};

const USAGE = `usage: framewise worker [options]

Takes jobs from the BullMQ queue "videos" on REDIS_URL [redis://127.0.0.1:6379], labels them and
writes each label to the stream <prefix>:labels:<jobId>. Runs until SIGTERM or SIGINT, then
shuts down gracefully.

options (each also settable as FRAMEWISE_<OPTION>):
${formatOptions(WORKER_COMMAND_OPTIONS)}
`;

/** Runs `framewise worker` until the process is told to stop; resolves with the exit status. */
export async function workerCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandLine('worker', args, WORKER_COMMAND_OPTIONS, io.env);
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`worker takes no arguments, got ${JSON.stringify(positionals[0])}`);
  }
  const d = VIDEO_WORKER_DEFAULTS;
  const settings = {
    redisUrl: redisUrl(io.env),
    prefix: parsePrefix(values.prefix),
    concurrency: optionalInteger(values, 'concurrency', 1) ?? d.concurrency,
    lockDurationMs: optionalInteger(values, 'lock-duration', 1000) ?? d.lockDurationMs,
    stalledIntervalMs: optionalInteger(values, 'stalled-interval', 1000) ?? d.stalledIntervalMs,
    shutdownGraceMs: optionalInteger(values, 'shutdown-grace', 0) ?? d.shutdownGraceMs,
    labelsTtlSec: optionalInteger(values, 'labels-ttl', 1) ?? d.labelsTtlSec,
    batch: optionalInteger(values, 'batch', 1) ?? d.batch,
    checkpointIntervalMs:
      optionalInteger(values, 'checkpoint-interval', 100) ?? d.checkpointIntervalMs,
    policy: parsePolicy(values),
  };
  const metricsPort = parseMetricsPort(values['metrics-port']);
  const logger = await createWorkerLogger(io.stderr);
  // Up before the model loads and before Redis answers: alive but not ready, not dead.
  const ops = metricsPort === 0 ? undefined : await startMetrics(metricsPort, logger);
  try {
    const backend = await useBackend(parseBackend(values.backend as string | undefined));
    const location = (values.model as string | undefined) ?? bundledModelDir();
    const model = await loadModel(location);
    let encoder: EncoderPool | undefined;
    // Stops the worker on SIGTERM/SIGINT, or when its encoder threads keep dying.
    const stop = new AbortController();
    const onSignal = () => stop.abort(io.signal.reason);
    if (io.signal.aborted) onSignal();
    else io.signal.addEventListener('abort', onSignal, { once: true });
    let status = 0;
    try {
      encoder = await startEncoderThreads(values, backend, location, (reason, replaced) => {
        if (replaced) {
          logger.error({ reason }, 'encoder thread died; starting another');
          return;
        }
        // Jobs would all fail here: hand them back and exit 1, for a process manager to restart.
        logger.fatal({ reason }, 'encoder threads keep dying; stopping the worker');
        status = 1;
        stop.abort();
      });
      // Before /readyz says ready: a worker's first job does not pay for kernel set-up.
      warmUp(model, {
        frames: encoder === undefined ? settings.batch : 0,
        windows: settings.batch,
        steps: model.defaultWindow,
      });
      logger.info(
        { model: model.source, backend, threads: encoder?.parallelism ?? 0 },
        'model loaded',
      );
      ops?.readiness.modelLoaded();
      const probed = ops === undefined ? {} : { metrics: ops.metrics, readiness: ops.readiness };
      const threads = encoder === undefined ? {} : { encoder };
      await serve({ ...settings, model, backend, logger, ...probed, ...threads }, stop.signal);
      // How much the jobs' batches were merged on the shared threads.
      const merged =
        encoder === undefined
          ? {}
          : { requests: encoder.requests, batches: encoder.batches, restarts: encoder.restarts };
      logger.info({ encoder: merged }, 'worker stopped');
    } finally {
      io.signal.removeEventListener('abort', onSignal);
      await encoder?.close();
      model.dispose();
    }
    return status;
  } finally {
    await ops?.server.close();
  }
}

/**
 * Starts the worker and runs it until `signal` fires, then closes it. With a readiness state
 * (the worker is probed, so an orchestrator runs it), it first waits for Redis, however long
 * Redis takes to come up, instead of failing at once.
 */
async function serve(
  options: VideoWorkerOptions & { readonly readiness?: Readiness },
  signal: AbortSignal,
): Promise<void> {
  const { readiness, logger } = options;
  if (readiness !== undefined) {
    try {
      await waitForRedis(options.redisUrl, { logger, signal });
    } catch (error) {
      if (error instanceof AbortError) return;
      throw error;
    }
  }
  if (signal.aborted) return;
  const worker = await VideoWorker.start(options);
  readiness?.redisCheck(() => worker.isRedisReady());
  await new Promise<void>((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  readiness?.stop();
  await worker.close();
}

/** Checks `--metrics-port`: 0 (off) or a TCP port. */
function parseMetricsPort(value: string | boolean | undefined): number {
  const port = optionalInteger({ 'metrics-port': value }, 'metrics-port', 0) ?? 0;
  if (port > MAX_PORT) {
    throw new UsageError(
      `metrics-port must be an integer from 0 (off) to ${MAX_PORT}, got ${JSON.stringify(value)}`,
    );
  }
  return port;
}

/** The metrics registry, the readiness state and the HTTP server that serves them. */
async function startMetrics(
  port: number,
  logger: Logger,
): Promise<{ metrics: WorkerMetrics; readiness: Readiness; server: MetricsServer }> {
  const metrics = new WorkerMetrics();
  const readiness = new Readiness();
  const server = await MetricsServer.listen({ port, metrics, readiness });
  logger.info({ port: server.port }, 'metrics server listening');
  return { metrics, readiness, server };
}
