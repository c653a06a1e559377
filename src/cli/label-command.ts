import { UsageError } from '../errors.js';
import { useBackend, useGpuBackend } from '../model/run/backend.js';
import { bundledModelDir } from '../model/load/bundled-model.js';
import { openModel } from '../model/open-model.js';
import { warmUp } from '../model/warm-up.js';
import { parseCommandLine, formatHelp } from '../options/command-line.js';
import { DEFAULT_ONNX_THREADS } from '../options/engine-options.js';
import { LABEL_OPTIONS } from '../options/label-options.js';
import { LIVE_SETTINGS, type LiveSettings } from '../options/live-options.js';
import { valuesOf } from '../options/option.js';
import type { Gap } from '../pipeline/label-frames.js';
import { emptyCounters } from '../pipeline/label-frames.js';
import { whyNoLabels } from '../pipeline/label-counters.js';
import { labelVideo } from '../pipeline/label-video.js';
import { JsonlSink } from '../output/jsonl-sink.js';
import type { LabelSink } from '../output/label-sink.js';
import { PrettySink } from '../output/pretty-sink.js';
import { isIP } from 'node:net';
import { EgressProxy } from '../decode/egress-proxy.js';
import { canResolveHostNames, findFfmpeg, type FfmpegBinary } from '../decode/find-ffmpeg.js';
import type { FrameSource } from '../decode/frame-source.js';
import type { LiveOptions } from '../decode/live-frame-source.js';
import { LABEL_COMMAND } from './command-specs.js';
import type { CommandIo } from './command-io.js';
import { startEncoder, type StartedEncoder } from './start-encoder.js';
import { untilAborted } from './until-aborted.js';
import { ProgressBar } from './progress-bar.js';

/** Runs `framewise label`; resolves with the exit status. */
export async function labelCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { options: values, positionals, help } = parseCommandLine(LABEL_COMMAND, args, io.env);
  if (help) {
    io.stdout.write(formatHelp(LABEL_COMMAND));
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      `label takes exactly one input (a file or URL), got ${positionals.length}: ` +
        `run framewise label <input> [options]`,
    );
  }
  const input = positionals[0]!;
  const options = valuesOf(values, LABEL_OPTIONS);
  const settings = values.live ? valuesOf(values, LIVE_SETTINGS) : undefined;
  const format = values.format ?? (io.stdout.isTTY === true ? 'pretty' : 'jsonl');
  // Found (two ffmpeg runs) while the model loads, not after: the answer is
  // memoized for the source. A failure surfaces where the source asks again.
  const ffmpegFound = findFfmpeg().catch(() => undefined);
  const backend =
    values.device === 'cuda' && values.engine === 'tfjs'
      ? await useGpuBackend()
      : await useBackend(values.backend);
  const location = values.model ?? bundledModelDir();
  // A model URL that does not answer must not make SIGINT/SIGTERM wait.
  const opened = await untilAborted(
    openModel(location, { threads: values.threads ?? DEFAULT_ONNX_THREADS, device: values.device }),
    io.signal,
    (late) => late.model.dispose(),
  );
  const model = opened.model;
  const timeSteps = model.split.timeSteps;
  if (options.window !== undefined && timeSteps !== null && options.window !== timeSteps) {
    io.stderr.write(
      `framewise label: warning: --window ${options.window} differs from the ${timeSteps} frames ` +
        `the model takes; its recurrent layers run over ${options.window} steps per window\n`,
    );
  }
  let run: StartedEncoder | undefined;
  try {
    run = await startEncoder({
      engine: values.engine,
      device: values.device,
      threads: values.threads,
      opened,
      location,
      backend,
      batch: options.batch,
      onFallback: (reason) =>
        io.stderr.write(`framewise label: encoder on TensorFlow.js, not ONNX Runtime: ${reason}\n`),
    });
    const encoder = run.encoder;
    // Encoder threads and ONNX Runtime warmed up themselves.
    await warmUp(model, {
      frames: encoder === undefined ? options.batch : 0,
      windows: options.batch,
      steps: options.window ?? model.defaultWindow,
    });
  } catch (error) {
    await run?.encoder?.close();
    model.dispose();
    throw error;
  }
  const { encoder } = run;
  const sink: LabelSink =
    format === 'pretty' ? new PrettySink(io.stdout) : new JsonlSink(io.stdout);
  // Some static ffmpeg builds (the bundled 4.1) crash resolving a host name: a local proxy
  // resolves it for them.
  const resolver = (await needsResolver(input, await ffmpegFound))
    ? await new EgressProxy({ allowPrivate: true }).session()
    : undefined;
  const counters = emptyCounters();
  const progress = io.stderr.isTTY === true ? new ProgressBar(io.stderr) : undefined;
  // Output while the bar may be drawn on the same terminal goes above it.
  const shared = progress !== undefined && io.stdout.isTTY === true;
  const above = (write: () => unknown): Promise<unknown> =>
    progress === undefined ? Promise.resolve(write()) : progress.above(write);
  const output = (write: () => Promise<void>): Promise<unknown> =>
    shared ? above(write) : write();
  let source: FrameSource | undefined;
  const started = performance.now();
  let ended = started;
  try {
    const live =
      settings === undefined
        ? undefined
        : liveOptions(settings, (text) => void above(() => io.stderr.write(text)));
    const labels = labelVideo(input, model, options, {
      signal: io.signal,
      counters,
      onSource: (s) => (source = s),
      ...(encoder === undefined ? {} : { encoder }),
      ...(resolver === undefined ? {} : { inputArgs: ['-http_proxy', resolver.url] }),
      ...(live === undefined
        ? {}
        : {
            live,
            keepStateOverGaps: settings?.keepStateOverGaps === true,
            onGap: (gap: Gap) =>
              void output(async () => sink.writeGap?.(gap)).catch(() => undefined),
          }),
    });
    for await (const label of labels) {
      progress?.update(
        label.t - (options.startSec ?? 0),
        totalSeconds(source, options),
        counters.frames,
      );
      await output(() => sink.write(label));
    }
    const none = whyNoLabels(counters, options.window ?? model.defaultWindow);
    if (none !== undefined)
      await above(() => io.stderr.write(`framewise label: warning: no labels: ${none}\n`));
  } finally {
    progress?.clear();
    try {
      await sink.close();
    } finally {
      // The run ends with its last label written; stopping threads is the process's teardown.
      ended = performance.now();
      // Also when the output is gone (EPIPE): threads would keep the process alive.
      await encoder?.close();
      await resolver?.close();
      model.dispose();
    }
  }
  if (values.stats) {
    const seconds = (ended - started) / 1000;
    // The resume point is for checkpoints, not for people.
    const { resumePoint: _resumePoint, ...totals } = counters;
    const stats = {
      ...totals,
      seconds: round(seconds),
      fps: round(counters.frames / seconds),
      backend,
      engine: run.engine,
      device: values.device,
      threads: run.threads,
    };
    io.stderr.write(`${JSON.stringify(stats)}\n`);
  }
  return 0;
}

/**
 * Whether ffmpeg needs framewise to resolve the input's host: an http URL with a host name, read
 * by an ffmpeg that crashes resolving names itself.
 */
async function needsResolver(input: string, ffmpeg: FfmpegBinary | undefined): Promise<boolean> {
  if (ffmpeg === undefined || !/^http:\/\//i.test(input)) return false;
  let host: string;
  try {
    host = new URL(input).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return isIP(host) === 0 && !(await canResolveHostNames(ffmpeg));
}

function liveOptions(settings: LiveSettings, note: (text: string) => void): LiveOptions {
  return {
    ...settings,
    onReconnect: (attempt, reason) =>
      note(`framewise label: live source stopped (${reason}); reconnect attempt ${attempt}\n`),
  };
}

function totalSeconds(
  source: FrameSource | undefined,
  options: { startSec?: number; durationSec?: number },
) {
  const duration = source?.info?.durationSec;
  if (duration === undefined) return options.durationSec;
  const rest = duration - (options.startSec ?? 0);
  return options.durationSec === undefined ? rest : Math.min(rest, options.durationSec);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
