import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { AbortError, UsageError } from '../errors.js';
import { useBackend, useGpuBackend } from '../model/run/backend.js';
import { bundledModelDir } from '../model/load/bundled-model.js';
import { EncoderPool } from '../model/run/encoder-pool.js';
import { OnnxEncoder } from '../model/run/onnx-encoder.js';
import { openModel } from '../model/open-model.js';
import { warmUp } from '../model/warm-up.js';
import { MetricsServer } from '../metrics/metrics-server.js';
import { Readiness } from '../metrics/readiness.js';
import { WorkerMetrics } from '../metrics/worker-metrics.js';
import { formatHelp, parseCommandLine } from '../options/command-line.js';
import { DEFAULT_ONNX_THREADS } from '../options/engine-options.js';
import { valuesOf } from '../options/option.js';
import { urlPolicy } from '../options/queue-options.js';
import { WORKER_OPTIONS } from '../options/worker-options.js';
import { redisUrl } from '../queue/redis-connection.js';
import { VideoWorker } from '../queue/video-worker.js';
import type { VideoWorkerOptions } from '../queue/video-worker-options.js';
import { waitForRedis } from '../queue/wait-for-redis.js';
import type { CommandIo } from './command-io.js';
import { WORKER_COMMAND } from './command-specs.js';
import { startEncoder, type StartedEncoder } from './start-encoder.js';
import { untilAborted } from './until-aborted.js';
import { createWorkerLogger } from './worker-logger.js';

/** Runs `framewise worker` until the process is told to stop; resolves with the exit status. */
export async function workerCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { options: values, positionals, help } = parseCommandLine(WORKER_COMMAND, args, io.env);
  if (help) {
    io.stdout.write(formatHelp(WORKER_COMMAND));
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`worker takes no arguments, got ${JSON.stringify(positionals[0])}`);
  }
  const { metricsPort, ...worker } = valuesOf(values, WORKER_OPTIONS);
  const settings = {
    ...worker,
    splitOverSec: values.splitOverSec,
    redisUrl: redisUrl(io.env),
    prefix: values.prefix,
    batch: values.batch,
    policy: urlPolicy(values),
  };
  const logger = await createWorkerLogger(io.stderr);
  // Up before the model loads and before Redis answers: alive but not ready, not dead.
  const ops = metricsPort === 0 ? undefined : await startMetrics(metricsPort, logger);
  try {
    const backend =
      values.device === 'cuda' && values.engine === 'tfjs'
        ? await useGpuBackend()
        : await useBackend(values.backend);
    const location = values.model ?? bundledModelDir();
    // A model URL that does not answer must not make SIGINT/SIGTERM wait.
    const opened = await untilAborted(
      openModel(location, {
        threads: values.threads ?? DEFAULT_ONNX_THREADS,
        device: values.device,
      }),
      io.signal,
      (late) => late.model.dispose(),
    );
    const model = opened.model;
    let started: StartedEncoder | undefined;
    // Stops the worker on SIGTERM/SIGINT, or when its encoder threads keep dying.
    const stop = new AbortController();
    const onSignal = () => stop.abort(io.signal.reason);
    if (io.signal.aborted) onSignal();
    else io.signal.addEventListener('abort', onSignal, { once: true });
    let status = 0;
    try {
      const onThreadDeath = (reason: string, replaced: boolean) => {
        if (replaced) {
          logger.error({ reason }, 'encoder thread died; starting another');
          return;
        }
        // Jobs would all fail here: hand them back and exit 1, for a process manager to restart.
        logger.fatal({ reason }, 'encoder threads keep dying; stopping the worker');
        status = 1;
        stop.abort();
      };
      started = await startEncoder({
        engine: values.engine,
        device: values.device,
        threads: values.threads,
        opened,
        location,
        backend,
        batch: settings.batch,
        onThreadDeath,
        onFallback: (reason) =>
          logger.warn({ reason }, 'encoder on TensorFlow.js, not ONNX Runtime'),
      });
      const { encoder, engine } = started;
      // Before /readyz says ready: a worker's first job does not pay for kernel set-up.
      await warmUp(model, {
        frames: encoder === undefined ? settings.batch : 0,
        windows: settings.batch,
        steps: model.defaultWindow,
      });
      logger.info(
        { model: model.source, backend, engine, threads: started.threads },
        'model loaded',
      );
      ops?.metrics.engine(engine);
      ops?.readiness.modelLoaded();
      const probed =
        ops === undefined
          ? {}
          : {
              metrics: ops.metrics,
              readiness: ops.readiness,
              // Listening on every interface: reachable at this machine's name.
              metricsUrl: `http://${hostname()}:${ops.server.port}/metrics`,
            };
      const threads = encoder === undefined ? {} : { encoder };
      await serve({ ...settings, model, backend, logger, ...probed, ...threads }, stop.signal);
      // How much the jobs' batches were merged on the shared encoder.
      const shared = encoder ?? model.encoder;
      const merged =
        shared instanceof EncoderPool
          ? { requests: shared.requests, batches: shared.batches, restarts: shared.restarts }
          : shared instanceof OnnxEncoder
            ? { requests: shared.requests, runs: shared.runs }
            : {};
      logger.info({ encoder: merged }, 'worker stopped');
    } finally {
      io.signal.removeEventListener('abort', onSignal);
      await started?.encoder?.close();
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
