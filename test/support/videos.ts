/**
 * Test videos, generated with ffmpeg's lavfi sources (never downloaded), and tools to check
 * decoded frames and leftover ffmpeg processes.
 *
 * Files are cached in `os.tmpdir()/framewise-fixtures/`, named by a hash of their recipe and of
 * the ffmpeg version, and written under a temporary name then renamed, so test files running in
 * parallel can ask for the same video.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { promisify } from 'node:util';
import { PIXEL_FORMATS, SCALE_FLAGS, pixelLayout } from '../../src/decode/ffmpeg-args.js';
import { findFfmpeg, type FfmpegBinary } from '../../src/decode/find-ffmpeg.js';

const run = promisify(execFile);

/** The ffmpeg every helper runs: the same one `FrameSource` finds. */
export const fixtureFfmpeg: FfmpegBinary = await findFfmpeg();

/** Bump to regenerate every cached fixture after a change of recipe. */
const RECIPE_VERSION = 4;
const FIXTURE_DIR = join(tmpdir(), 'framewise-fixtures');

/** lavfi video sources used for fixtures: all deterministic. */
export type LavfiSource =
  'testsrc' | 'testsrc2' | 'mandelbrot' | 'life' | 'cellauto' | 'smptehdbars' | 'rgbtestsrc';

/** Container and codec of a fixture. `png-mkv` and `ffv1-mkv` are lossless. */
export type FixtureCodec =
  'png-mkv' | 'ffv1-mkv' | 'h264-mp4' | 'h264-mkv' | 'h264-ts' | 'vp9-webm';

/** Recipe of {@link makeVideo}. */
export interface VideoSpec {
  /** lavfi source drawing the frames. */
  readonly source: LavfiSource;
  /** Width, in pixels. */
  readonly width: number;
  /** Height, in pixels. */
  readonly height: number;
  /** Frame rate, in frames per second. */
  readonly fps: number;
  /** Length, in seconds: the video has `round(fps × seconds)` frames. */
  readonly seconds: number;
  /** Container and codec. */
  readonly codec: FixtureCodec;
  /**
   * Adds a 1 kHz sine audio track (AAC), so that the video is not the only stream.
   * @defaultValue false
   */
  readonly audio?: boolean;
  /**
   * Makes the video variable frame rate: frames from `afterFrame` on are shifted later by
   * `seconds` (kept exact to the millisecond).
   * @defaultValue none (constant frame rate)
   */
  readonly ptsGap?: { readonly afterFrame: number; readonly seconds: number };
}

const CONTAINERS: Record<FixtureCodec, { ext: string; format: string; codecArgs: string[] }> = {
  'png-mkv': { ext: 'mkv', format: 'matroska', codecArgs: ['-c:v', 'png'] },
  'ffv1-mkv': { ext: 'mkv', format: 'matroska', codecArgs: ['-c:v', 'ffv1'] },
  'h264-mp4': { ext: 'mp4', format: 'mp4', codecArgs: [...h264Args(), '-movflags', '+faststart'] },
  'h264-mkv': { ext: 'mkv', format: 'matroska', codecArgs: h264Args() },
  'h264-ts': { ext: 'ts', format: 'mpegts', codecArgs: h264Args() },
  // What every browser plays, for the dashboard's video tests.
  'vp9-webm': {
    ext: 'webm',
    format: 'webm',
    codecArgs: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-b:v', '400k', '-threads', '1'],
  },
};

function h264Args(): string[] {
  return ['-c:v', 'libx264', '-preset', 'ultrafast', '-threads', '1'];
}

/** Generates (once) a video from a lavfi source and returns its path. */
export async function makeVideo(spec: VideoSpec): Promise<string> {
  const container = CONTAINERS[spec.codec];
  return cached(`video-${spec.source}-${spec.codec}`, container.ext, spec, async (out) => {
    // The format filter fixes the size: sources like testsrc2 round odd sizes down to even
    // ones for 4:2:0 output. H.264 needs even sides for 4:2:0; odd sizes keep full chroma.
    const even = spec.width % 2 === 0 && spec.height % 2 === 0;
    const lossy = spec.codec.startsWith('h264') || spec.codec === 'vp9-webm';
    const pixelFormat = lossy ? (even ? 'yuv420p' : 'yuv444p') : 'rgb24';
    const src = `${spec.source}=size=${spec.width}x${spec.height}:rate=${spec.fps},format=${pixelFormat}`;
    // Input -t: exactly round(fps × seconds) frames whatever the filters do to timestamps.
    const args = ['-f', 'lavfi', '-t', String(spec.seconds), '-i', src];
    if (spec.audio === true) {
      args.push('-f', 'lavfi', '-t', String(spec.seconds), '-i', 'sine=frequency=1000');
    }
    if (spec.ptsGap !== undefined) {
      const { afterFrame, seconds } = spec.ptsGap;
      // The fine time bases keep the shift from being rounded to whole frames: settb for the
      // filter, -enc_time_base for the encoder (which otherwise counts in 1/fps).
      args.push('-vf', `settb=AVTB,setpts='PTS+if(gte(N,${afterFrame}),${seconds}/TB,0)'`);
      args.push('-enc_time_base', '1:1000');
    }
    args.push(...container.codecArgs);
    if (spec.audio === true) args.push('-c:a', 'aac');
    args.push('-f', container.format, out);
    await ffmpeg(args);
  });
}

/** An audio-only file (1 s of sine in AAC, `.m4a`): it has no video stream. */
export function makeAudioOnly(): Promise<string> {
  return cached('audio-only', 'm4a', {}, async (out) => {
    const sine = ['-f', 'lavfi', '-t', '1', '-i', 'sine=frequency=440'];
    await ffmpeg([...sine, '-c:a', 'aac', '-f', 'mp4', out]);
  });
}

/** A plain text file (`.txt`); ffmpeg 4.1 would render it as ANSI art if asked to. */
export function makeTextFile(): Promise<string> {
  return cached('text', 'txt', {}, async (out) => {
    await writeFile(out, 'This is not a video.\nIt is a few lines of text.\n');
  });
}

/** A zero-byte file named like a video (`.mp4`). */
export function makeEmptyFile(): Promise<string> {
  return cached('empty', 'mp4', {}, async (out) => {
    await writeFile(out, new Uint8Array(0));
  });
}

/**
 * The first half of an H.264 MP4 whose index (`moov` atom) is at the end, as a download cut
 * short leaves it: ffmpeg fails with "moov atom not found".
 */
export function makeTruncatedMp4(): Promise<string> {
  return cached('truncated', 'mp4', {}, async (out) => {
    const whole = `${out}.whole.mp4`;
    const source = ['-f', 'lavfi', '-t', '2', '-i', 'testsrc2=size=64x48:rate=25'];
    // No +faststart: the mp4 muxer then writes the index last, and the first half lacks it.
    await ffmpeg([...source, ...h264Args(), '-pix_fmt', 'yuv420p', '-f', 'mp4', whole]);
    const bytes = await readFile(whole);
    await writeFile(out, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await rm(whole, { force: true });
  });
}

/**
 * A copy of `path` cut after `keepFraction` of its bytes, as an interrupted download leaves it.
 * A Matroska or fast-start MP4 copy still decodes up to the cut.
 */
export function makeTruncatedCopy(path: string, keepFraction = 0.5): Promise<string> {
  const ext = extname(path).slice(1);
  return cached(`cut-${basename(path, `.${ext}`)}`, ext, { path, keepFraction }, async (out) => {
    const bytes = await readFile(path);
    await writeFile(out, bytes.subarray(0, Math.floor(bytes.length * keepFraction)));
  });
}

/** How {@link decodeReference} decodes. */
export interface ReferenceOptions {
  /** Output width, in pixels. */
  readonly width: number;
  /** Output height, in pixels. */
  readonly height: number;
  /** Resample to this rate, in frames per second. @defaultValue the video's own frames */
  readonly fps?: number;
  /** Channels per pixel. @defaultValue 3 */
  readonly channels?: 1 | 3;
  /** Channel order of 3-channel frames. @defaultValue `'rgb'` */
  readonly channelOrder?: 'rgb' | 'bgr';
}

/**
 * Decodes a whole video with a plain ffmpeg command (same scaler flags and pixel format as
 * `FrameSource`, no timestamps, no streaming) and returns its frames, the reference that
 * `FrameSource`'s pixels must equal byte for byte.
 */
export function decodeReference(path: string, options: ReferenceOptions): Uint8Array[] {
  const { width, height, fps, channels = 3, channelOrder = 'rgb' } = options;
  const layout = PIXEL_FORMATS[pixelLayout(channels, channelOrder)];
  const filters = [
    ...(fps === undefined ? [] : [`fps=${fps}`]),
    `scale=${width}:${height}:flags=${SCALE_FLAGS}`,
  ];
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', path, '-map', '0:v:0'];
  args.push('-vf', filters.join(','), '-vsync', 'passthrough');
  args.push('-pix_fmt', layout.pixelFormat, '-f', 'rawvideo', 'pipe:1');
  const result = spawnSync(fixtureFfmpeg.path, args, { maxBuffer: 1 << 30 });
  if (result.status !== 0) {
    throw new Error(`reference decode of ${path} failed: ${String(result.stderr)}`);
  }
  const bytes = new Uint8Array(result.stdout);
  const frameBytes = width * height * layout.channels;
  if (bytes.length % frameBytes !== 0) {
    throw new Error(`reference decode of ${path}: ${bytes.length} bytes is not whole frames`);
  }
  const frames: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += frameBytes)
    frames.push(bytes.subarray(at, at + frameBytes));
  return frames;
}

/**
 * Marks this test process so that {@link ffmpegProcessesRunning} can tell its ffmpeg processes
 * (children, and those of CLIs it runs, which inherit the environment) from those of test files
 * running in parallel. Processes reparented after their parent died keep the mark: orphans count.
 */
export const OWNER_VARIABLE = 'FRAMEWISE_TEST_OWNER';
const owner = String(process.pid);
process.env[OWNER_VARIABLE] = owner;

/**
 * Number of live ffmpeg processes started by this test process or its descendants (including
 * orphans they left). Zombies do not count: their command line is gone. A process started with
 * its own `FRAMEWISE_TEST_OWNER` (e.g. one of two workers) is counted by passing that value.
 */
export function ffmpegProcessesRunning(mark: string = owner): number {
  return ffmpegProcessIds(mark).length;
}

/** Ids of the live ffmpeg processes carrying `mark` (see {@link ffmpegProcessesRunning}). */
export function ffmpegProcessIds(ownerMark: string = owner): number[] {
  const mark = `${OWNER_VARIABLE}=${ownerMark}`;
  const ids: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0', 1)[0] ?? '';
      if (basename(argv0) !== basename(fixtureFfmpeg.path)) continue;
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      if (environ.includes(mark)) ids.push(Number(pid));
    } catch {
      // The process exited while we looked, or is not ours to read.
    }
  }
  return ids;
}

async function ffmpeg(args: string[]): Promise<void> {
  await run(fixtureFfmpeg.path, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args]);
}

/** Returns the cached file for a recipe, making it first (atomically) when missing. */
async function cached(
  kind: string,
  ext: string,
  recipe: object,
  make: (out: string) => Promise<void>,
): Promise<string> {
  const key = JSON.stringify({ kind, recipe, version: fixtureFfmpeg.version, RECIPE_VERSION });
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const path = join(FIXTURE_DIR, `${kind}-${hash}.${ext}`);
  if (existsSync(path)) return path;
  await mkdir(FIXTURE_DIR, { recursive: true });
  const temporary = `${path}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await make(temporary);
    await stat(temporary);
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
  return path;
}
