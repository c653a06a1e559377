import { once } from 'node:events';
import { FfmpegError, InputError } from '../errors.js';
import { findFfmpeg, type FfmpegBinary } from './find-ffmpeg.js';
import { LineSplitter } from './line-splitter.js';
import { spawnFfmpeg } from './spawn-ffmpeg.js';
import { StderrTail } from './stderr-tail.js';
import { terminateChild } from './terminate-child.js';

/** Options of {@link scanFrameTimes}. */
export interface FrameTimesOptions {
  /** What ffmpeg gets after `-i` (`file:<path>`). */
  readonly input: string;
  /** ffmpeg input options before `-i` (the protocol whitelist). */
  readonly inputArgs?: readonly string[];
  /** Kills ffmpeg. */
  readonly signal?: AbortSignal;
  /** @defaultValue the ffmpeg {@link findFfmpeg} finds */
  readonly ffmpeg?: FfmpegBinary;
  /** Refused beyond this many frames, before they are all held. */
  readonly maxFrames?: number;
}

/**
 * The presentation time of every frame of a file's first video stream, in seconds, in order,
 * as ffmpeg's decoding run reports them: read from the container's packets (`-c copy` to the
 * `framecrc` muxer), so nothing is decoded and an hour of video takes about a second. A frame's
 * index in the result is its index in an unsampled run (`label` without `--fps`).
 *
 * @throws {@link FfmpegError} when ffmpeg fails or prints no frame.
 */
export async function scanFrameTimes(options: FrameTimesOptions): Promise<Float64Array> {
  const ffmpeg = options.ffmpeg ?? (await findFfmpeg());
  const args = [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'],
    ...(options.inputArgs ?? []),
    ...['-i', options.input, '-map', '0:v:0', '-c', 'copy', '-f', 'framecrc', 'pipe:1'],
  ];
  const child = await spawnFfmpeg(ffmpeg, args);
  const onAbort = () => void terminateChild(child);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const stderr = new StderrTail();
  const errorLines = new LineSplitter();
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of errorLines.push(chunk)) stderr.push(line);
  });
  const pts: number[] = [];
  let timeBase: number | undefined;
  let failure: Error | undefined;
  const lines = new LineSplitter();
  const take = (line: string) => {
    if (line.startsWith('#tb 0:')) {
      const [num, den] = line.slice(6).trim().split('/').map(Number);
      if (num !== undefined && den !== undefined && den > 0) timeBase = num / den;
      return;
    }
    if (line.startsWith('#') || line.trim() === '') return;
    const fields = line.split(',');
    if (fields[0]?.trim() !== '0') return;
    const value = Number(fields[2]);
    if (Number.isFinite(value)) pts.push(value);
    if (
      options.maxFrames !== undefined &&
      pts.length > options.maxFrames &&
      failure === undefined
    ) {
      failure = new InputError(
        'FW_ERR_INPUT_TOO_LARGE',
        `the input has more than ${options.maxFrames} frames, the most a job labels (--max-frames)`,
      );
      void terminateChild(child);
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of lines.push(chunk)) take(line);
  });
  try {
    const [code] = (await once(child, 'close')) as [number | null];
    for (const line of lines.flush()) take(line);
    if (failure !== undefined) throw failure;
    if (options.signal?.aborted === true) throw options.signal.reason;
    if (code !== 0 || timeBase === undefined || pts.length === 0) {
      throw new FfmpegError(
        'FW_ERR_FFMPEG_FAILED',
        `ffmpeg could not list the frames of ${options.input} (exit ${code}): ${stderr.lines().join(' ').trim() || 'no video frames'}`,
      );
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await terminateChild(child);
  }
  const base = timeBase;
  return Float64Array.from(
    pts.sort((a, b) => a - b),
    (value) => value * base,
  );
}
