import { HEAD_MODES, parseBackend, parseLabelOptions } from '../options/label-options.js';
import type { LiveSettings } from '../options/live-settings.js';
import { UsageError } from '../errors.js';
import { useBackend } from '../model/run/backend.js';
import type { Gap } from '../pipeline/label-frames.js';
import type { LiveOptions } from '../decode/live-frame-source.js';
import { bundledModelDir } from '../model/load/bundled-model.js';
import type { EncoderPool } from '../model/run/encoder-pool.js';
import { loadModel } from '../model/load-model.js';
import { warmUp } from '../model/warm-up.js';
import { emptyCounters } from '../pipeline/label-frames.js';
import { labelVideo } from '../pipeline/label-video.js';
import { JsonlSink } from '../output/jsonl-sink.js';
import type { LabelSink } from '../output/label-sink.js';
import { PrettySink } from '../output/pretty-sink.js';
import { findFfmpeg } from '../decode/find-ffmpeg.js';
import type { FrameSource } from '../decode/frame-source.js';
import { formatOptions, parseCommandLine, type OptionSpec } from './parse-command-line.js';
import { ProgressBar } from './progress-bar.js';
import type { CommandIo } from './command-io.js';
import { LIVE_OPTIONS, parseLiveOptions } from './live-options.js';
import { startEncoderThreads, THREADS_OPTION } from './threads-option.js';

/** Options of `framewise label`, as the contract lists them. */
export const LABEL_COMMAND_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  model: {
    type: 'string',
    valueName: '<dir|URL>',
    help: 'TensorFlow.js Layers model (model.json + weights) [bundled demo model]',
  },
  window: {
    type: 'string',
    valueName: '<N>',
    help: "frames per window [the model's time dimension, else 4]",
  },
  stride: {
    type: 'string',
    valueName: '<S>',
    help: "frames from one window's end to the next [1]",
  },
  fps: {
    type: 'string',
    valueName: '<F>',
    help: "sample the video at F frames/s [the video's rate]",
  },
  mode: {
    type: 'string',
    valueName: `<${HEAD_MODES.join('|')}>`,
    help: 'window: fresh state per window; stateful: state carried across the stream [window]',
  },
  batch: { type: 'string', valueName: '<B>', help: 'frames per encoder batch [16]' },
  backend: {
    type: 'string',
    valueName: '<auto|tensorflow|wasm|cpu>',
    help: 'TensorFlow.js backend [auto: tensorflow if installed, else wasm, else cpu]',
  },
  start: { type: 'string', valueName: '<sec>', help: 'start of the part to label [0]' },
  duration: { type: 'string', valueName: '<sec>', help: 'length of the part to label [all]' },
  'no-cache': { type: 'boolean', help: "ablation: encode every window's frames anew" },
  ...LIVE_OPTIONS,
  ...THREADS_OPTION,
  stats: { type: 'boolean', help: 'print one JSON object of run statistics to stderr at the end' },
  format: {
    type: 'string',
    valueName: '<jsonl|pretty>',
    help: 'output format [jsonl when stdout is not a terminal, else pretty]',
  },
  help: { type: 'boolean', help: 'show this help' },
};

const USAGE = `usage: framewise label <input> [options]

Labels a video file or stream with a CNN+LSTM model, one JSON line per label on stdout.
<input>: a file path, file:// URL, or http(s)/rtsp(s)/rtmp/HLS URL.

options (each also settable as FRAMEWISE_<OPTION>, e.g. FRAMEWISE_WINDOW=8):
${formatOptions(LABEL_COMMAND_OPTIONS)}
`;

/** Runs `framewise label`; resolves with the exit status. */
export async function labelCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandLine('label', args, LABEL_COMMAND_OPTIONS, io.env);
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      `label takes exactly one input (a file or URL), got ${positionals.length}: ` +
        `run framewise label <input> [options]`,
    );
  }
  const input = positionals[0]!;
  const options = parseLabelOptions(values);
  const settings = parseLiveOptions(values);
  const format = parseFormat(values.format, io.stdout.isTTY === true);
  // Found (two ffmpeg runs, about 40 ms) while the model loads, not after: the answer is
  // memoized for the source. A failure surfaces where the source asks again.
  const ffmpegFound = findFfmpeg().catch(() => undefined);
  const backend = await useBackend(parseBackend(values.backend as string | undefined));
  const location = (values.model as string | undefined) ?? bundledModelDir();
  const model = await loadModel(location);
  const timeSteps = model.split.timeSteps;
  if (options.window !== undefined && timeSteps !== null && options.window !== timeSteps) {
    io.stderr.write(
      `framewise label: warning: --window ${options.window} differs from the ${timeSteps} frames ` +
        `the model takes; its recurrent layers run over ${options.window} steps per window\n`,
    );
  }
  let encoder: EncoderPool | undefined;
  try {
    encoder = await startEncoderThreads(values, backend, location);
    // Encoder threads warmed up themselves.
    warmUp(model, {
      frames: encoder === undefined ? options.batch : 0,
      windows: options.batch,
      steps: options.window ?? model.defaultWindow,
    });
  } catch (error) {
    await encoder?.close();
    model.dispose();
    throw error;
  }
  const sink: LabelSink =
    format === 'pretty' ? new PrettySink(io.stdout) : new JsonlSink(io.stdout);
  await ffmpegFound;
  const counters = emptyCounters();
  const progress = io.stderr.isTTY === true ? new ProgressBar(io.stderr) : undefined;
  let source: FrameSource | undefined;
  const started = performance.now();
  let ended = started;
  try {
    const live = settings === undefined ? undefined : liveOptions(settings, io);
    const labels = labelVideo(input, model, options, {
      signal: io.signal,
      counters,
      onSource: (s) => (source = s),
      ...(encoder === undefined ? {} : { encoder }),
      ...(live === undefined
        ? {}
        : {
            live,
            keepStateOverGaps: settings?.keepStateOverGaps === true,
            onGap: (gap: Gap) => void sink.writeGap?.(gap).catch(() => undefined),
          }),
    });
    for await (const label of labels) {
      progress?.update(
        label.t - (options.startSec ?? 0),
        totalSeconds(source, options),
        counters.frames,
      );
      await sink.write(label);
    }
  } finally {
    progress?.clear();
    try {
      await sink.close();
    } finally {
      // The run ends with its last label written; stopping threads is the process's teardown.
      ended = performance.now();
      // Also when the output is gone (EPIPE): threads would keep the process alive.
      await encoder?.close();
      model.dispose();
    }
  }
  if (values.stats === true) {
    const seconds = (ended - started) / 1000;
    // The resume point is for checkpoints, not for people.
    const { resumePoint: _resumePoint, ...totals } = counters;
    const stats = {
      ...totals,
      seconds: round(seconds),
      fps: round(counters.frames / seconds),
      backend,
      threads: encoder?.parallelism ?? 0,
    };
    io.stderr.write(`${JSON.stringify(stats)}\n`);
  }
  return 0;
}

function liveOptions(settings: LiveSettings, io: CommandIo): LiveOptions {
  return {
    ...settings,
    onReconnect: (attempt, reason) =>
      io.stderr.write(
        `framewise label: live source stopped (${reason}); reconnect attempt ${attempt}\n`,
      ),
  };
}

function parseFormat(
  value: string | boolean | undefined,
  stdoutIsTty: boolean,
): 'jsonl' | 'pretty' {
  if (value === undefined) return stdoutIsTty ? 'pretty' : 'jsonl';
  if (value !== 'jsonl' && value !== 'pretty') {
    throw new UsageError(`format must be one of jsonl, pretty, got ${JSON.stringify(value)}`);
  }
  return value;
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
