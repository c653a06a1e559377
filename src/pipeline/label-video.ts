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
import { InputError } from '../errors.js';

/**
 * How far before a resume frame's time the seek lands, in seconds: less than half a frame at
 * any rate up to 1,000 frames/s, so ffmpeg keeps the resume frame and drops the one before.
 */
const SEEK_LEAD_SEC = 0.0005;
/**
 * Resampled runs (`fps`) resume this early, in seconds, rounded up to whole sampled frames:
 * ffmpeg's fps filter picks each output frame from the source frames around it, so it needs
 * those frames to pick the same ones again (upsampled, the one before the slot); frames are
 * then numbered by their time (see `numberByTime`), and those before the resume frame skipped.
 */
const FPS_LEAD_SEC = 1;
/** How far a part's first frame may lie from where the file's packets put it, in seconds. */
const FRAME_TIME_TOLERANCE_SEC = 0.001;

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
  /**
   * Stop after this frame (a part of a split file): frames after it are not read, so no window
   * ends past it. Files only.
   * @defaultValue none: to the end of the input
   */
  readonly lastFrame?: number;
  /**
   * The time the first frame decoded must have (a part of a split file starts at a frame
   * whose time was read from the file's packets): a frame numbered `frame` at another time
   * fails the run with `FW_ERR_CORRUPT_INPUT` rather than labeling misnumbered frames.
   */
  readonly expectFrame?: { readonly frame: number; readonly t: number };
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
    const resume = controls.resume;
    // Resampled: a frame's index is its slot on the fps grid, wherever decoding started.
    const numbered: FrameReader =
      resume !== undefined && options.fps !== undefined
        ? numberByTime(source, resume.t - resume.frame / options.fps, options.fps)
        : source;
    let reader: FrameReader =
      resumeFrame === undefined || resumeFrame === firstIndex
        ? numbered
        : skipBefore(numbered, resumeFrame);
    if (controls.expectFrame !== undefined) reader = checkFrameTime(reader, controls.expectFrame);
    if (controls.lastFrame !== undefined) reader = upTo(reader, controls.lastFrame);
    return yield* labelFrames(
      reader,
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

/**
 * Numbers each frame by its slot on the fps grid that starts at `t0`: the index an unbroken
 * run from the start gives it. ffmpeg's fps filter starts its grid at the first frame it is
 * fed, so after a seek the first frame out may lie a slot before or after the one the seek aimed
 * at (upsampling repeats the source frame before it); its time says which it is.
 */
function numberByTime(reader: FrameReader, t0: number, fps: number): FrameReader {
  return {
    async read(maxFrames: number, minFrames?: number): Promise<Frame[]> {
      const frames = await reader.read(maxFrames, minFrames);
      return frames.map((frame) => ({ ...frame, index: Math.round((frame.t - t0) * fps) }));
    },
  };
}

/** Reads `reader` up to frame `last`, then ends. */
function upTo(reader: FrameReader, last: number): FrameReader {
  let ended = false;
  return {
    async read(maxFrames: number, minFrames?: number): Promise<Frame[]> {
      if (ended) return [];
      const frames = await reader.read(maxFrames, minFrames);
      const kept = frames.filter((frame) => frame.index <= last);
      if (kept.length < frames.length || frames.length === 0) ended = true;
      return kept;
    },
  };
}

/** Fails when frame `expected.frame` comes at another time than `expected.t`. */
function checkFrameTime(
  reader: FrameReader,
  expected: { readonly frame: number; readonly t: number },
): FrameReader {
  return {
    async read(maxFrames: number, minFrames?: number): Promise<Frame[]> {
      const frames = await reader.read(maxFrames, minFrames);
      const frame = frames.find((f) => f.index === expected.frame);
      if (frame !== undefined && Math.abs(frame.t - expected.t) > FRAME_TIME_TOLERANCE_SEC) {
        throw new InputError(
          'FW_ERR_CORRUPT_INPUT',
          `frame ${expected.frame} of this part decodes at ${frame.t} s, not at ${expected.t} s as the file's packets say: its frames cannot be numbered as one run's; enqueue it without --split`,
        );
      }
      return frames;
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
