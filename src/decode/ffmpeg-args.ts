/** Channel order of 3-channel frames. */
export type ChannelOrder = 'rgb' | 'bgr';

/** Channels per pixel framewise can ask ffmpeg for. */
export type Channels = 1 | 3;

/**
 * ffmpeg `-pix_fmt` for each supported layout: packed, 8 bits per channel, so that a frame is
 * exactly `width × height × channels` bytes with no row padding.
 */
export const PIXEL_FORMATS = {
  rgb: { pixelFormat: 'rgb24', channels: 3 },
  bgr: { pixelFormat: 'bgr24', channels: 3 },
  gray: { pixelFormat: 'gray', channels: 1 },
} as const satisfies Record<string, { pixelFormat: string; channels: Channels }>;

/** A key of {@link PIXEL_FORMATS}. */
export type PixelLayout = keyof typeof PIXEL_FORMATS;

/**
 * Scaler of the `scale` filter. `area` averages every source pixel that falls into a target
 * pixel, so a 720p frame shrunk to 99×99 does not alias (bilinear's fixed 2-tap support would
 * skip most source rows), it is what OpenCV recommends for shrinking (`INTER_AREA`), and it
 * costs about the same as `bilinear` (docs/performance.md).
 */
export const SCALE_FLAGS = 'area';

/** What {@link buildFfmpegArgs} needs. Validation happens in the caller. */
export interface FfmpegArgsOptions {
  /** What ffmpeg opens with `-i`: a path (prefer `file:`-prefixed) or a URL. */
  readonly input: string;
  /** Output frame width, in pixels. */
  readonly width: number;
  /** Output frame height, in pixels. */
  readonly height: number;
  /** Channels per pixel. */
  readonly channels: Channels;
  /**
   * Order of the 3 channels; ignored when `channels` is 1.
   * @defaultValue `'rgb'`
   */
  readonly channelOrder?: ChannelOrder;
  /**
   * Sample the video at this rate, in frames per second (the `fps` filter).
   * @defaultValue the video's own frame timing
   */
  readonly fps?: number;
  /**
   * Seek to this position before decoding, in seconds from the start of the input.
   * @defaultValue 0 (no seek)
   */
  readonly startSec?: number;
  /**
   * Decode at most this much input, in seconds after `startSec`.
   * @defaultValue the rest of the input
   */
  readonly durationSec?: number;
  /**
   * Extra input options, placed right before `-i` (e.g. `-protocol_whitelist`, `-rw_timeout`).
   * @defaultValue `[]`
   */
  readonly inputArgs?: readonly string[];
  /**
   * Frames ffmpeg may decode ahead of its pipe, in a queue of its `fifo` muxer, while the reader
   * is busy; 0 writes straight to the pipe.
   * @defaultValue 0
   */
  readonly decodeAheadFrames?: number;
}

/** The pixel layout for a channel count and order. */
export function pixelLayout(channels: Channels, channelOrder: ChannelOrder = 'rgb'): PixelLayout {
  return channels === 1 ? 'gray' : channelOrder;
}

/**
 * Builds ffmpeg's argument list (for `spawn`, never a shell) that decodes the first video stream
 * of `input`, optionally resamples it to `fps`, scales it to `width × height`, reports each
 * frame's timestamp on stderr (`showinfo`) and writes raw packed frames to stdout.
 *
 * - `-ss` and `-t` are input options: the seek is fast (keyframe + decode to the exact frame)
 *   and timestamps restart at ~0; an output `-t` would let `showinfo` see one more frame than is
 *   written to stdout.
 * - `-vsync passthrough`: rawvideo output defaults to constant frame rate, which duplicates or
 *   drops frames after `showinfo` has counted them; passthrough writes each frame once.
 * - `-nostats` keeps the progress line (rewritten with `\r`) off stderr.
 * - RTSP over TCP (`-rtsp_transport tcp`): over UDP a camera's packets are lost under load or
 *   blocked by a firewall, and ffmpeg only falls back to TCP after a timeout.
 * - `decodeAheadFrames`: the pipe holds only a few frames, so without a queue ffmpeg stops
 *   decoding whenever the reader's thread is busy for longer than that; the `fifo` muxer writes
 *   to the pipe from its own thread while decoding goes on (it needs an explicit `-c:v`).
 */
export function buildFfmpegArgs(options: FfmpegArgsOptions): string[] {
  const layout = PIXEL_FORMATS[pixelLayout(options.channels, options.channelOrder)];
  const filters: string[] = [];
  if (options.fps !== undefined) filters.push(`fps=${formatNumber(options.fps)}`);
  filters.push(`scale=${options.width}:${options.height}:flags=${SCALE_FLAGS}`, 'showinfo');

  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info'];
  if (options.startSec !== undefined && options.startSec > 0) {
    args.push('-ss', formatNumber(options.startSec));
  }
  if (options.durationSec !== undefined) args.push('-t', formatNumber(options.durationSec));
  if (/^rtsps?:/i.test(options.input)) args.push('-rtsp_transport', 'tcp');
  args.push(...(options.inputArgs ?? []), '-i', options.input);
  args.push('-map', '0:v:0', '-an', '-sn', '-dn');
  args.push('-vf', filters.join(','), '-vsync', 'passthrough');
  args.push('-pix_fmt', layout.pixelFormat);
  const queue = options.decodeAheadFrames ?? 0;
  if (queue > 0) {
    args.push('-c:v', 'rawvideo', '-f', 'fifo', '-fifo_format', 'rawvideo');
    args.push('-queue_size', String(queue));
  } else {
    args.push('-f', 'rawvideo');
  }
  args.push('pipe:1');
  return args;
}

/** Plain decimal notation: ffmpeg's parsers do not accept `1e-7`. */
function formatNumber(value: number): string {
  const text = String(value);
  return /e/i.test(text) ? value.toFixed(9) : text;
}
