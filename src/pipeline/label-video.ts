import type { LabelOptions } from '../options/label-options.js';
import type { BatchEncoder } from '../model/run/batch-encoder.js';
import type { RunnableModel } from '../model/runnable-model.js';
import { FrameSource } from '../decode/frame-source.js';
import type { FrameSourceOptions } from '../decode/frame-source-options.js';
import type { Label } from './label.js';
import { LiveFrameSource, type LiveOptions } from '../decode/live-frame-source.js';
import type { Frame } from '../decode/frame.js';
import {
  labelFrames,
  type FrameReader,
  type Gap,
  type LabelCounters,
  type LabelFramesOptions,
} from './label-frames.js';
import type { ResumePoint } from './resume-point.js';

/**
 * How far before a resume frame's time the seek lands, in seconds: less than half a frame at
 * any rate up to 1,000 frames/s, so ffmpeg keeps the resume frame and drops the one before.
 */
const SEEK_LEAD_SEC = 0.0005;
/**
 * Resampled runs (`fps`) resume this early, in seconds, rounded up to whole sampled frames:
 * ffmpeg's fps filter picks each output frame from the source frames around it, so it needs
 * those frames, on the same grid as the interrupted run, to pick the same ones again.
 */
const FPS_LEAD_SEC = 0.5;

/** Hooks and controls of {@link labelVideo}. */
export interface LabelVideoControls {
  /** Kills ffmpeg and ends the run with an AbortError. */
  readonly signal?: AbortSignal;
  /** Filled in as the run goes. */
  readonly counters?: LabelCounters;
  /**
   * Extra ffmpeg input options (the URL policy's `-protocol_whitelist`).
   * @defaultValue none
   */
  readonly inputArgs?: readonly string[];
  /**
   * Limits on the input, refused with `FW_ERR_INPUT_TOO_LARGE` (a worker's `--max-input-pixels`,
   * `--max-input-seconds`, `--max-frames`).
   * @defaultValue frames up to 8192×8192, no limit on length
   */
  readonly limits?: Pick<FrameSourceOptions, 'maxInputPixels' | 'maxInputSeconds' | 'maxFrames'>;
  /**
   * Continue an interrupted run from this point (a checkpoint): ffmpeg seeks there and frames
   * keep their numbering; the counters should hold the run's totals before it.
   */
  readonly resume?: ResumePoint;
  /** Called once ffmpeg is started, e.g. to show progress against `source.info`. */
  readonly onSource?: (source: FrameSource) => void;
  /**
   * A live stream: read at its own pace, reconnected whenever it stops, until the signal
   * fires. Outages are reported through `onGap`.
   */
  readonly live?: LiveOptions;
  /**
   * Stateful mode: keep the recurrent state across an outage of a live stream.
   * @defaultValue false: start afresh after an outage
   */
  readonly keepStateOverGaps?: boolean;
  /** Called for each outage of a live stream, in order with the labels. */
  readonly onGap?: (gap: Gap) => void;
  /** Called after each encoder batch with its duration in seconds. */
  readonly onEncoderBatch?: (seconds: number) => void;
  /**
   * Encodes frames instead of the model's own encoder, e.g. a pool of encoder threads.
   * @defaultValue the model's encoder, on this thread
   */
  readonly encoder?: BatchEncoder;
}

/**
 * The whole local pipeline: ffmpeg decodes `input` at the model's frame size, frames are
 * windowed and labeled. Yields labels in frame order; the ffmpeg child is gone when the
 * generator finishes, fails or is returned early.
 */
export async function* labelVideo(
  input: string,
  model: RunnableModel,
  options: LabelOptions,
  controls: LabelVideoControls = {},
): AsyncGenerator<Label, LabelCounters> {
  // Refuse a head that cannot run stateful before ffmpeg starts, not at the first batch.
  if (options.mode === 'stateful') model.head.assertStateful();
  if (controls.live !== undefined)
    return yield* labelLive(input, model, options, controls, controls.live);
  const { startSec, durationSec, firstIndex } = sourceRange(options, controls.resume);
  const source = await FrameSource.open({
    ...sourceOptions(input, model, options, controls),
    ...(startSec === undefined ? {} : { startSec }),
    ...(durationSec === undefined ? {} : { durationSec }),
    ...(firstIndex === undefined ? {} : { firstIndex }),
  });
  try {
    controls.onSource?.(source);
    const resumeFrame = controls.resume?.frame;
    return yield* labelFrames(
      resumeFrame === undefined || resumeFrame === firstIndex
        ? source
        : skipBefore(source, resumeFrame),
      model,
      frameOptions(model, options, controls),
      controls.counters,
    );
  } finally {
    await source.close();
  }
}

/**
 * The part of the input to decode: the job's own, or from a resume point to the job's end, and
 * the index of the first frame decoded (a resampled run starts a few frames early).
 */
function sourceRange(options: LabelOptions, resume: ResumePoint | undefined) {
  if (resume === undefined) return { startSec: options.startSec, durationSec: options.durationSec };
  const { fps } = options;
  const leadFrames = fps === undefined ? 0 : Math.min(resume.frame, Math.ceil(FPS_LEAD_SEC * fps));
  const startSec = Math.max(
    0,
    fps === undefined ? resume.t - SEEK_LEAD_SEC : resume.t - leadFrames / fps,
  );
  const end =
    options.durationSec === undefined ? undefined : (options.startSec ?? 0) + options.durationSec;
  return {
    startSec,
    durationSec: end === undefined ? undefined : Math.max(SEEK_LEAD_SEC, end - startSec),
    firstIndex: resume.frame - leadFrames,
  };
}

/** Reads `reader` from frame `index` on: the frames before it were labeled already. */
function skipBefore(reader: FrameReader, index: number): FrameReader {
  return {
    async read(maxFrames: number): Promise<Frame[]> {
      for (;;) {
        const frames = await reader.read(maxFrames);
        const kept = frames.filter((frame) => frame.index >= index);
        if (kept.length > 0 || frames.length === 0) return kept;
      }
    },
  };
}

/** A live stream: the same pipeline over a source that reconnects and reports outages. */
async function* labelLive(
  input: string,
  model: RunnableModel,
  options: LabelOptions,
  controls: LabelVideoControls,
  live: LiveOptions,
): AsyncGenerator<Label, LabelCounters> {
  const source = new LiveFrameSource(
    sourceOptions(input, model, options, controls),
    live,
    controls.resume === undefined
      ? undefined
      : { index: controls.resume.frame + 1, t: controls.resume.t },
  );
  try {
    return yield* labelFrames(
      source,
      model,
      frameOptions(model, options, controls),
      controls.counters,
    );
  } finally {
    await source.close();
  }
}

/** What the labeling driver needs from the options and controls, for files and live streams alike. */
function frameOptions(
  model: RunnableModel,
  options: LabelOptions,
  controls: LabelVideoControls,
): LabelFramesOptions {
  return {
    window: options.window ?? model.defaultWindow,
    stride: options.stride,
    mode: options.mode,
    batch: options.batch,
    cache: !options.noCache,
    ...(controls.live === undefined ? { fullBatches: true } : {}),
    ...(controls.signal === undefined ? {} : { signal: controls.signal }),
    ...(controls.resume === undefined ? {} : { resume: controls.resume }),
    ...(controls.onGap === undefined ? {} : { onGap: controls.onGap }),
    ...(controls.keepStateOverGaps === true ? { keepStateOverGaps: true } : {}),
    ...(controls.onEncoderBatch === undefined ? {} : { onEncoderBatch: controls.onEncoderBatch }),
    ...(controls.encoder === undefined ? {} : { encoder: controls.encoder }),
  };
}

/** The ffmpeg source's options every run shares: the model's frame shape, sampling, controls. */
function sourceOptions(
  input: string,
  model: RunnableModel,
  options: LabelOptions,
  controls: LabelVideoControls,
): FrameSourceOptions {
  const { split, preprocessing } = model;
  const overload = options.overload ?? (controls.live === undefined ? 'block' : 'drop');
  return {
    input,
    width: split.width,
    height: split.height,
    channels: split.channels,
    channelOrder: preprocessing.channelOrder,
    overload,
    // Dropping keeps at most one batch waiting: labels lag live by about a batch, not more.
    ...(overload === 'drop' ? { highWaterFrames: options.batch } : {}),
    ...(options.fps === undefined ? {} : { fps: options.fps }),
    ...(controls.signal === undefined ? {} : { signal: controls.signal }),
    ...(controls.inputArgs === undefined ? {} : { inputArgs: controls.inputArgs }),
    ...controls.limits,
  };
}
