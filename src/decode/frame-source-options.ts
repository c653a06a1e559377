import { UsageError } from '../errors.js';
import type { ChannelOrder, Channels } from './ffmpeg-args.js';
import type { FfmpegBinary } from './find-ffmpeg.js';

/**
 * What a source does when its reader falls behind: `block` pauses ffmpeg's output (no frame is
 * lost; a live stream then falls behind real time), `drop` throws away the oldest unread frames
 * (the reader always gets recent frames; each survivor notes the drop in `droppedBefore`).
 */
export type OverloadPolicy = (typeof OVERLOAD_POLICIES)[number];
/** Every accepted overload policy. */
export const OVERLOAD_POLICIES = ['block', 'drop'] as const;

/** Options of {@link FrameSource.open}. */
export interface FrameSourceOptions {
  /**
   * What to decode: a file path, a `file://` URL (converted to a path), or a stream URL that
   * ffmpeg opens (`http`, `https`, `rtsp`, `rtsps`, `rtmp`, `hls+http`, …).
   */
  readonly input: string;
  /** Frame width after scaling, in pixels; an integer from 1 to {@link MAX_FRAME_SIDE}. */
  readonly width: number;
  /** Frame height after scaling, in pixels; an integer from 1 to {@link MAX_FRAME_SIDE}. */
  readonly height: number;
  /** Channels per pixel: 3 for colour (`rgb24`/`bgr24`), 1 for grey (`gray`). */
  readonly channels: Channels;
  /**
   * Order of the 3 colour channels in `Frame.pixels`; ignored when `channels` is 1.
   * @defaultValue `'rgb'`
   */
  readonly channelOrder?: ChannelOrder;
  /**
   * Sample the video at this rate, in frames per second; frame i then has `t = startSec + i / fps`.
   * @defaultValue the video's own frames and timestamps (variable frame rate kept as is)
   */
  readonly fps?: number;
  /**
   * Start decoding here, in seconds from the start of the input; frames' `t` still count from
   * the start of the input.
   * @defaultValue 0
   */
  readonly startSec?: number;
  /**
   * Index of the first frame decoded: a job resumed at frame k after `startSec` numbers its
   * frames from k, as the interrupted run did.
   * @defaultValue 0
   */
  readonly firstIndex?: number;
  /**
   * Decode at most this much of the input, in seconds after `startSec`.
   * @defaultValue to the end of the input
   */
  readonly durationSec?: number;
  /**
   * Aborting it kills ffmpeg; a pending or later `read()` rejects with `AbortError`.
   * @defaultValue none
   */
  readonly signal?: AbortSignal;
  /**
   * The ffmpeg binary to run.
   * @defaultValue the result of `findFfmpeg()`
   */
  readonly ffmpeg?: FfmpegBinary;
  /**
   * Extra ffmpeg input options, placed right before `-i` (e.g. `-protocol_whitelist`,
   * `-rw_timeout`). Never passed through a shell.
   * @defaultValue `[]`
   */
  readonly inputArgs?: readonly string[];
  /**
   * Frames decoded but not yet read, beyond which ffmpeg's stdout is paused, so that ffmpeg
   * blocks on its pipe and memory does not grow with the length of the video. The queue may
   * overshoot by the frames in one pipe read (64 KiB).
   * @defaultValue 64
   */
  readonly highWaterFrames?: number;
  /**
   * At `highWaterFrames` unread frames: pause ffmpeg (`block`) or drop the oldest (`drop`).
   * @defaultValue `'block'`
   */
  readonly overload?: OverloadPolicy;
  /**
   * Frames ffmpeg may decode ahead, beyond the pipe, while this thread is busy (labeling a
   * batch) and not reading: without them ffmpeg waits whenever the pipe's few frames are
   * full, and decoding and labeling take turns instead of overlapping. 0 turns it off.
   * @defaultValue with `overload: 'block'`, as many frames as fit in
   *   {@link DECODE_AHEAD_BYTES}, at most {@link MAX_DECODE_AHEAD_FRAMES}; with `'drop'`, 0
   *   (a live reader wants the newest frames, not a backlog)
   */
  readonly decodeAheadFrames?: number;
  /**
   * Stamp each frame with `capturedAt`: the moment it came out of ffmpeg (for latency).
   * @defaultValue false
   */
  readonly arrivalTimes?: boolean;
  /**
   * With `overload: 'drop'`, frames beyond `highWaterFrames` are dropped only while this says
   * the reader is behind its source. A live stream's reader passes its load: a healthy reader
   * of a bursty source (an HLS segment arrives at once, 50 frames and more) must not lose the
   * burst's frames, only a reader too slow for the stream sheds.
   * @defaultValue always behind: the high-water mark alone decides
   */
  readonly readerBehind?: () => boolean;
  /**
   * Largest input frame accepted, in pixels (width × height before scaling): a larger one is
   * refused with `FW_ERR_INPUT_TOO_LARGE` as soon as ffmpeg has read the input's header.
   * @defaultValue {@link MAX_INPUT_PIXELS}
   */
  readonly maxInputPixels?: number;
  /**
   * For an http(s) or rtmp input: how long ffmpeg waits for a connection, and for each read,
   * before it fails with a (retryable) network error (`-rw_timeout`); and, twice as long, for
   * a frame while the reader waits for one (a server sending a byte every few seconds). A server
   * that accepts and never answers, or stops sending, then ends the run instead of holding it.
   * @defaultValue {@link NETWORK_TIMEOUT_MS}
   */
  readonly networkTimeoutMs?: number;
  /**
   * Longest input accepted, in seconds, as ffmpeg's header gives it (`Duration`): a longer one
   * is refused with `FW_ERR_INPUT_TOO_LARGE` before its first frame. An input without a duration
   * (a live stream) is not limited.
   * @defaultValue no limit
   */
  readonly maxInputSeconds?: number;
  /**
   * Most frames delivered, counted by frame index (a resumed run counts from its first index):
   * the frame past it ends the run with `FW_ERR_INPUT_TOO_LARGE`.
   * @defaultValue no limit
   */
  readonly maxFrames?: number;
}

/** Default of {@link FrameSourceOptions.networkTimeoutMs}: 30 s. */
export const NETWORK_TIMEOUT_MS = 30_000;

/**
 * Default of {@link FrameSourceOptions.maxInputPixels}: 8192 × 8192, above 8K video (7680 ×
 * 4320 and 8192 × 4320). ffmpeg's decoders take frames up to 16384 × 16384 and more, and give
 * no frame at all for some sizes, a gigabyte of memory for others.
 */
export const MAX_INPUT_PIXELS = 8192 * 8192;

/** Largest accepted frame side, in pixels: one 8192×8192 RGB frame is already 192 MiB. */
export const MAX_FRAME_SIDE = 8192;

/**
 * Memory ffmpeg may fill with frames decoded ahead (`decodeAheadFrames`), in bytes: 4 MiB holds
 * 64 frames of 99×99 RGB, 27 of 224×224.
 */
export const DECODE_AHEAD_BYTES = 4 * 1024 * 1024;
/**
 * Most frames decoded ahead by default: a queue of this size let `label` run faster than none,
 * and a larger one no faster (docs/performance.md).
 */
export const MAX_DECODE_AHEAD_FRAMES = 64;

/** Defaults of the optional {@link FrameSourceOptions} fields that have a value. */
export const FRAME_SOURCE_DEFAULTS = {
  channelOrder: 'rgb',
  startSec: 0,
  firstIndex: 0,
  inputArgs: [],
  highWaterFrames: 64,
  overload: 'block',
  arrivalTimes: false,
  maxInputPixels: MAX_INPUT_PIXELS,
  networkTimeoutMs: NETWORK_TIMEOUT_MS,
} as const satisfies Partial<FrameSourceOptions>;

/** {@link FrameSourceOptions} with defaults applied and every field checked. */
export type ResolvedFrameSourceOptions = FrameSourceOptions &
  Required<Pick<FrameSourceOptions, keyof typeof FRAME_SOURCE_DEFAULTS | 'decodeAheadFrames'>>;

/** {@link FrameSourceOptions} with the fixed defaults applied. */
type WithDefaults = FrameSourceOptions &
  Required<Pick<FrameSourceOptions, keyof typeof FRAME_SOURCE_DEFAULTS>>;

/**
 * Applies defaults and checks every field once.
 *
 * @throws {@link UsageError} naming the field, the rule and the value received, e.g.
 *   `width must be an integer from 1 to 8192, got 0`.
 */
export function resolveFrameSourceOptions(options: FrameSourceOptions): ResolvedFrameSourceOptions {
  const resolved: WithDefaults = { ...FRAME_SOURCE_DEFAULTS, ...options };
  if (typeof resolved.input !== 'string' || resolved.input === '') {
    fail('input', 'a non-empty string (a path or a URL)', resolved.input);
  }
  for (const field of ['width', 'height'] as const) {
    const value = resolved[field];
    if (!Number.isInteger(value) || value < 1 || value > MAX_FRAME_SIDE) {
      fail(field, `an integer from 1 to ${MAX_FRAME_SIDE}`, value);
    }
  }
  if (resolved.channels !== 1 && resolved.channels !== 3)
    fail('channels', '1 or 3', resolved.channels);
  if (resolved.channelOrder !== 'rgb' && resolved.channelOrder !== 'bgr') {
    fail('channelOrder', "'rgb' or 'bgr'", resolved.channelOrder);
  }
  if (resolved.fps !== undefined && !(isFiniteNumber(resolved.fps) && resolved.fps > 0)) {
    fail('fps', 'a number > 0', resolved.fps);
  }
  if (!(isFiniteNumber(resolved.startSec) && resolved.startSec >= 0)) {
    fail('startSec', 'a number >= 0', resolved.startSec);
  }
  if (!Number.isSafeInteger(resolved.firstIndex) || resolved.firstIndex < 0) {
    fail('firstIndex', 'an integer >= 0', resolved.firstIndex);
  }
  const duration = resolved.durationSec;
  if (duration !== undefined && !(isFiniteNumber(duration) && duration > 0)) {
    fail('durationSec', 'a number > 0', duration);
  }
  if (
    !Array.isArray(resolved.inputArgs) ||
    !resolved.inputArgs.every((a) => typeof a === 'string')
  ) {
    fail('inputArgs', 'an array of strings', resolved.inputArgs);
  }
  if (!Number.isInteger(resolved.highWaterFrames) || resolved.highWaterFrames < 1) {
    fail('highWaterFrames', 'an integer >= 1', resolved.highWaterFrames);
  }
  if (!OVERLOAD_POLICIES.includes(resolved.overload)) {
    fail('overload', `one of ${OVERLOAD_POLICIES.join(', ')}`, resolved.overload);
  }
  const ahead = resolved.decodeAheadFrames;
  if (ahead !== undefined && !(Number.isInteger(ahead) && ahead >= 0)) {
    fail('decodeAheadFrames', 'an integer >= 0', ahead);
  }
  return {
    ...resolved,
    decodeAheadFrames: ahead ?? defaultDecodeAhead(resolved),
  };
}

/** See {@link FrameSourceOptions.decodeAheadFrames}. */
function defaultDecodeAhead(options: WithDefaults): number {
  if (options.overload === 'drop') return 0;
  const frameBytes = options.width * options.height * options.channels;
  return Math.max(
    1,
    Math.min(MAX_DECODE_AHEAD_FRAMES, Math.floor(DECODE_AHEAD_BYTES / frameBytes)),
  );
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function fail(field: string, rule: string, value: unknown): never {
  // JSON shows strings quoted; numbers print as themselves (JSON would turn NaN into null).
  const shown =
    typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  throw new UsageError(`${field} must be ${rule}, got ${shown}`);
}
