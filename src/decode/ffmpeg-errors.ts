import {
  FfmpegError,
  InputError,
  NetworkError,
  UrlRefusedError,
  type FramewiseError,
  type InputErrorCode,
} from '../errors.js';
import type { SourceInfo } from './source-info.js';

/** What is known when ffmpeg has exited, for {@link classifyFfmpegFailure}. */
export interface FfmpegFailureContext {
  /** The input as the user gave it; every message names it. */
  readonly input: string;
  /** True for URLs: read failures are then network trouble (retryable), not a bad file. */
  readonly remote: boolean;
  /** True when ffmpeg printed the input header (`Input #0`): the input was opened and probed. */
  readonly opened: boolean;
  /** ffmpeg's exit code, or null when a signal ended it. */
  readonly exitCode: number | null;
  /** The signal that ended ffmpeg, or null. */
  readonly signal: NodeJS.Signals | null;
  /** The last lines of ffmpeg's stderr, oldest first, without the per-frame `showinfo` lines. */
  readonly stderr: readonly string[];
}

/** The context plus the stderr tail as an Error, attached as every result's `cause`. */
interface Classifying extends FfmpegFailureContext {
  readonly cause: Error;
}

type Rule = (line: string, context: Classifying) => FramewiseError | undefined;

const NETWORK_FAILURE =
  /Connection refused|Connection timed out|timed out|Connection reset|Network is unreachable|No route to host|Failed to resolve hostname|Temporary failure in name resolution|Name or service not known|Broken pipe|I\/O error/i;
// Demuxer messages for data that stops early: mov's `partial file` (or, with the index at the
// end, `moov atom not found`), matroska's `Read error` (ffmpeg 4) or `File ended prematurely`
// (ffmpeg 5 and later). Checked before the generic
// `Invalid data found`, which ffmpeg prints after them.
const TRUNCATION = /partial file|Read error|File ended prematurely|moov atom not found/;
/** What the demuxers print, even when ffmpeg then exits 0, when data stops early. */
const EARLY_END = /partial file|Read error|File ended prematurely/;
const INVALID_DATA = /Invalid data found when processing input/;
const DECODE_FAILURE = /error while decoding|Invalid NAL unit|Error splitting the input/i;

// Checked in order, each against every line: the most specific explanation wins.
const RULES: readonly Rule[] = [
  (line, c) =>
    /Protocol not found/.test(line)
      ? input(
          c,
          'FW_ERR_UNKNOWN_PROTOCOL',
          `unknown protocol in input ${c.input}; give a file path (./name if it contains ':') or an http(s), rtsp, rtmp or hls URL`,
        )
      : undefined,
  (line, c) => {
    // A playlist or a redirect naming a protocol the input's kind may not use (`file:` from a
    // web playlist): refused, not a broken video. ffmpeg says so (`Protocol 'file' not on
    // whitelist`), or only that the segment did not open (`Error when loading first segment
    // 'file:///…'`; 5.1 and later: `URL file:///… is not in allowed_segment_extensions`).
    const protocol =
      /Protocol '([^']+)' not on whitelist/.exec(line)?.[1] ??
      /(?:Error when loading first segment '|URL )([a-z][a-z0-9+.-]*):/i.exec(line)?.[1];
    if (protocol === undefined || /^https?$/i.test(protocol)) return undefined;
    return new UrlRefusedError(
      `refused input ${c.input}: it made ffmpeg open a ${protocol.toLowerCase()}: resource, which this kind of input may not use (a playlist or a redirect naming it)`,
      { cause: c.cause },
    );
  },
  (line, c) => {
    // `[hls @ 0x…] Format not on whitelist '…'`: a local file that is a playlist or a list.
    const format = /^\[([^\s@]+) @ [^\]]*\] Format not on whitelist/.exec(line)?.[1];
    if (format === undefined) return undefined;
    if (format.split(',').some((name) => TEXT_FORMATS.has(name))) {
      return notAVideo(c, `ffmpeg reads it as text, format ${format}`);
    }
    return notAVideo(
      c,
      `its format is ${format}: a playlist, file list or image sequence, which framewise does not read from a local file`,
    );
  },
  (line, c) =>
    /detected only with low score/.test(line)
      ? notAVideo(c, 'ffmpeg does not recognise its format')
      : undefined,
  (line, c) =>
    /No such file or directory/.test(line)
      ? input(c, 'FW_ERR_INPUT_NOT_FOUND', `input not found: ${c.input}; check the path`)
      : undefined,
  (line, c) => (/Is a directory/.test(line) ? notAVideo(c, 'it is a directory') : undefined),
  (line, c) =>
    /Permission denied/.test(line)
      ? input(
          c,
          'FW_ERR_INPUT_NOT_FOUND',
          `input not readable (permission denied): ${c.input}; check its permissions`,
        )
      : undefined,
  (line, c) => httpStatus(line, c),
  (line, c) =>
    /matches no streams|does not contain any stream/.test(line)
      ? input(
          c,
          'FW_ERR_NO_VIDEO_STREAM',
          `input has no video stream: ${c.input} (audio or data only); give a file with video`,
        )
      : undefined,
  (line, c) => {
    // Locally these words mean a disk or kernel problem, left to the generic FfmpegError.
    const match = c.remote ? NETWORK_FAILURE.exec(line) : null;
    return match === null ? undefined : network(c, match[0]);
  },
  (line, c) => {
    const match = TRUNCATION.exec(line) ?? DECODE_FAILURE.exec(line);
    return match === null ? undefined : corrupt(c, match[0]);
  },
  (line, c) => {
    if (!INVALID_DATA.test(line)) return undefined;
    return c.opened ? corrupt(c, 'invalid data') : notAVideo(c, 'invalid data');
  },
];

/**
 * Turns a failed ffmpeg run (non-zero exit or a signal framewise did not send) into a typed
 * error from its stderr: {@link InputError} for a bad input (permanent), {@link NetworkError}
 * for a stream that could not be reached (retryable), else {@link FfmpegError}
 * `FW_ERR_FFMPEG_FAILED`. The message is one line naming the input and what to do; the stderr
 * tail is the error's `cause`.
 */
export function classifyFfmpegFailure(context: FfmpegFailureContext): FramewiseError {
  const cause = stderrCause(context.stderr);
  const c: Classifying = { ...context, cause };
  for (const rule of RULES) {
    for (const line of context.stderr) {
      const error = rule(line, c);
      if (error !== undefined) return error;
    }
  }
  if (
    context.signal === 'SIGSEGV' &&
    /^https:\/\/(?!\[|\d+\.\d+\.\d+\.\d+[:/])/i.test(context.input)
  ) {
    return new FfmpegError(
      'FW_ERR_FFMPEG_FAILED',
      `ffmpeg crashed (SIGSEGV) reading ${context.input}: some static ffmpeg builds (the bundled 4.1 among them) crash on https URLs with host names; install ffmpeg (apt-get install ffmpeg) or set FFMPEG_PATH to another build`,
      { cause },
    );
  }
  if (context.signal !== null) {
    return new FfmpegError(
      'FW_ERR_FFMPEG_FAILED',
      `ffmpeg crashed (${context.signal}) reading ${context.input}; retry, or set FFMPEG_PATH to a newer ffmpeg`,
      { cause },
    );
  }
  const last = lastErrorLine(context.stderr);
  return new FfmpegError(
    'FW_ERR_FFMPEG_FAILED',
    `ffmpeg failed (exit code ${String(context.exitCode)}) reading ${context.input}${last === undefined ? '' : `: ${last}`}; see the error's cause for ffmpeg's output`,
    { cause },
  );
}

/**
 * Checks the stderr of an ffmpeg run that exited 0 for signs that the input stopped early: a
 * demuxer reporting a partial file or a read error. A local file is then
 * `FW_ERR_CORRUPT_INPUT`; a URL is a {@link NetworkError} (the connection dropped). Errors the
 * decoder concealed (a damaged frame inside a complete file) do not count: ffmpeg went on.
 *
 * @param ffmpegInput - The string ffmpeg was given after `-i`: it prefixes ffmpeg's own
 *   demuxer-level messages (`file:/x.mp4: Invalid data found when processing input`).
 */
export function detectEarlyEnd(
  context: FfmpegFailureContext,
  ffmpegInput: string,
): FramewiseError | undefined {
  const c: Classifying = { ...context, cause: stderrCause(context.stderr) };
  for (const line of context.stderr) {
    const demuxerInvalid = line.startsWith(`${ffmpegInput}: `) && INVALID_DATA.test(line);
    const truncated = EARLY_END.exec(line)?.[0];
    const networkFailure = context.remote ? NETWORK_FAILURE.exec(line)?.[0] : undefined;
    const reason = truncated ?? networkFailure ?? (demuxerInvalid ? 'invalid data' : undefined);
    if (reason !== undefined) return corrupt(c, reason);
  }
  return undefined;
}

/** Demuxers and codecs ffmpeg uses to render text files (ANSI art) as "video". */
const TEXT_FORMATS = new Set(['tty', 'bin', 'xbin', 'adf', 'idf']);
const TEXT_CODECS = new Set(['ansi', 'bintext', 'xbin', 'idf']);

/**
 * ffmpeg happily "decodes" a `.txt` file as ANSI art (format `tty`, codec `ansi`), exiting 0 with
 * a frame of rendered text. Returns `FW_ERR_NOT_A_VIDEO` for such inputs, else undefined.
 */
export function rejectTextInput(info: SourceInfo, inputName: string): InputError | undefined {
  const format = info.format ?? '';
  const codec = info.codec ?? '';
  if (!TEXT_FORMATS.has(format) && !TEXT_CODECS.has(codec)) return undefined;
  return new InputError(
    'FW_ERR_NOT_A_VIDEO',
    `input is not a video: ${inputName} (ffmpeg reads it as text, format ${format || codec}); give a video file`,
  );
}

/**
 * Refuses an input whose frames are larger than `maxPixels` (width × height as ffmpeg reads
 * them), else undefined: decoding it would take memory without bound, or give no frame.
 */
export function rejectLargeFrames(
  info: SourceInfo,
  inputName: string,
  maxPixels: number,
): InputError | undefined {
  const { width, height } = info;
  if (width === undefined || height === undefined || width * height <= maxPixels) return undefined;
  return new InputError(
    'FW_ERR_INPUT_TOO_LARGE',
    `input frames are too large: ${inputName} is ${width}×${height} (${width * height} pixels), ` +
      `framewise takes at most ${maxPixels}; scale the video down first`,
  );
}

/**
 * Refuses an input whose part to label (by its header's duration, `--start` and `--duration`)
 * is longer than `maxSeconds`, else undefined (also without a limit or a duration).
 */
export function rejectLongInput(
  duration: number | undefined,
  inputName: string,
  maxSeconds: number | undefined,
): InputError | undefined {
  if (maxSeconds === undefined || duration === undefined || duration <= maxSeconds)
    return undefined;
  return new InputError(
    'FW_ERR_INPUT_TOO_LARGE',
    `input is too long: the part of ${inputName} to label lasts ${duration} s, and this run takes at most ${maxSeconds} s; split it, or raise the limit (worker: --max-input-seconds)`,
  );
}

function httpStatus(line: string, c: Classifying): FramewiseError | undefined {
  // http: `Server returned 404 Not Found`, `Server returned 5XX Server Error reply`;
  // rtsp: `method DESCRIBE failed: 404 Not Found`.
  const match = /Server returned (\S+)(.*)$|method \w+ failed: (\d\S*)(.*)$/.exec(line);
  if (match === null) return undefined;
  const status = match[1] ?? match[3] ?? '';
  const text = `${status}${(match[2] ?? match[4] ?? '').replace(/\s*\(.*\)$/, '')}`.trim();
  if (status.startsWith('5')) return network(c, `server error ${text}`);
  if (status === '401' || status === '403') {
    return input(
      c,
      'FW_ERR_INPUT_NOT_FOUND',
      `input refused by the server: ${c.input} (${text}); check the URL and its credentials`,
    );
  }
  return input(
    c,
    'FW_ERR_INPUT_NOT_FOUND',
    `input not found: ${c.input} (server returned ${text}); check the URL`,
  );
}

function input(c: Classifying, code: InputErrorCode, message: string): InputError {
  return new InputError(code, message, { cause: c.cause });
}

function notAVideo(c: Classifying, reason: string): InputError {
  return input(
    c,
    'FW_ERR_NOT_A_VIDEO',
    `input is not a video: ${c.input} (${reason}); give a video file`,
  );
}

function network(c: Classifying, reason: string): NetworkError {
  return new NetworkError(
    `network error reading ${c.input} (${reason}); check that the server is up and reachable, then retry`,
    { cause: c.cause },
  );
}

function corrupt(c: Classifying, reason: string): FramewiseError {
  if (c.remote) return network(c, `stream ended early: ${reason}`);
  return input(
    c,
    'FW_ERR_CORRUPT_INPUT',
    `input is truncated or corrupt: ${c.input} (${reason}); re-download or re-encode it`,
  );
}

function stderrCause(lines: readonly string[]): Error {
  return new Error(`ffmpeg stderr (last ${lines.length} lines):\n${lines.join('\n')}`);
}

/** The last line that looks like an error, without ffmpeg's `[component @ 0x…] ` prefix. */
function lastErrorLine(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = (lines[i] ?? '').replace(/^\[[^\]]*\]\s*/, '').trim();
    if (/error|invalid|failed|unable|cannot|not found|unrecognized/i.test(line)) return line;
  }
  return undefined;
}
