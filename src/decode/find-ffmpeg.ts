import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { FfmpegError } from '../errors.js';

/** Where an ffmpeg binary was found, in the order {@link findFfmpeg} looks. */
export type FfmpegOrigin = 'FFMPEG_PATH' | 'ffmpeg-static' | 'PATH' | '@ffmpeg-installer/ffmpeg';

/** An ffmpeg binary that ran `-version` successfully. */
export interface FfmpegBinary {
  /** Absolute (or PATH-resolved) path of the executable. */
  readonly path: string;
  /** Where it was found. */
  readonly origin: FfmpegOrigin;
  /** Version from the first line of `ffmpeg -version`, e.g. `6.1.1` or `N-47683-g0e8eb07980-static`. */
  readonly version: string;
  /**
   * Whether it has the `fifo` muxer, which decoding ahead needs (every build with threads
   * since ffmpeg 3.2; a trimmed build may leave it out).
   */
  readonly fifoMuxer: boolean;
}

/** Environment variables read by {@link findFfmpeg}. */
export type FfmpegEnv = Readonly<Record<string, string | undefined>>;

/** `ffmpeg -version` answers in milliseconds; a binary that hangs longer is unusable. */
const VERSION_TIMEOUT_MS = 10_000;

const requireOptional = createRequire(import.meta.url);
const cache = new Map<string, Promise<FfmpegBinary>>();

/**
 * Finds the ffmpeg binary to run, in this order: the `FFMPEG_PATH` environment variable,
 * `ffmpeg-static`'s binary (an optional dependency whose download may have failed), `ffmpeg` on
 * `PATH`, then the binary shipped in `@ffmpeg-installer/ffmpeg` (ffmpeg 4.1, works offline).
 *
 * The answer is memoized per process, keyed on the values of `FFMPEG_PATH` and `PATH`.
 *
 * @param env - Environment to read `FFMPEG_PATH` and `PATH` from.
 *   @defaultValue `process.env`
 * @throws {@link FfmpegError} `FW_ERR_FFMPEG_NOT_FOUND` when no candidate runs, or when
 *   `FFMPEG_PATH` is set but does not point to a working ffmpeg (an explicit choice is never
 *   silently replaced).
 */
export function findFfmpeg(env: FfmpegEnv = process.env): Promise<FfmpegBinary> {
  const key = `${env['FFMPEG_PATH'] ?? ''}\0${env['PATH'] ?? ''}`;
  let found = cache.get(key);
  if (found === undefined) {
    found = search(env);
    cache.set(key, found);
    // A failed search is not memoized: the user may install ffmpeg and try again.
    found.catch(() => cache.delete(key));
  }
  return found;
}

async function search(env: FfmpegEnv): Promise<FfmpegBinary> {
  const explicit = env['FFMPEG_PATH'];
  if (explicit !== undefined && explicit !== '') {
    const [version, fifoMuxer] = await Promise.all([readVersion(explicit), hasFifoMuxer(explicit)]);
    if (version === undefined) {
      throw new FfmpegError(
        'FW_ERR_FFMPEG_NOT_FOUND',
        `FFMPEG_PATH=${explicit} is not a runnable ffmpeg; point FFMPEG_PATH at an ffmpeg executable or unset it`,
      );
    }
    return { path: explicit, origin: 'FFMPEG_PATH', version, fifoMuxer };
  }
  for (const { origin, path } of await ffmpegCandidates(env)) {
    const [version, fifoMuxer] = await Promise.all([readVersion(path), hasFifoMuxer(path)]);
    if (version !== undefined) return { path, origin, version, fifoMuxer };
  }
  throw new FfmpegError(
    'FW_ERR_FFMPEG_NOT_FOUND',
    'ffmpeg not found (tried FFMPEG_PATH, ffmpeg-static, PATH, @ffmpeg-installer/ffmpeg); set FFMPEG_PATH to an ffmpeg executable or install one (apt-get install ffmpeg)',
  );
}

/**
 * The ffmpeg executables installed here, in the order {@link findFfmpeg} tries them after
 * `FFMPEG_PATH`: ffmpeg-static's, the first on `PATH`, @ffmpeg-installer/ffmpeg's. Not run:
 * {@link findFfmpeg} checks that one works.
 */
export async function ffmpegCandidates(
  env: FfmpegEnv = process.env,
): Promise<{ readonly origin: FfmpegOrigin; readonly path: string }[]> {
  const candidates: [FfmpegOrigin, string | undefined][] = [
    ['ffmpeg-static', await existing(requirePath('ffmpeg-static'))],
    ['PATH', await onPath(env['PATH'])],
    ['@ffmpeg-installer/ffmpeg', await existing(requirePath('@ffmpeg-installer/ffmpeg'))],
  ];
  return candidates.flatMap(([origin, path]) => (path === undefined ? [] : [{ origin, path }]));
}

/** The binary path an optional package exports, or undefined when it is not installed. */
function requirePath(name: string): string | undefined {
  try {
    // ffmpeg-static exports the path itself; @ffmpeg-installer/ffmpeg exports `{ path }`, and
    // throws at require time when its platform binary is missing.
    const exported: unknown = requireOptional(name);
    if (typeof exported === 'string') return exported;
    if (typeof exported === 'object' && exported !== null && 'path' in exported) {
      const path = (exported as { path: unknown }).path;
      return typeof path === 'string' ? path : undefined;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

async function existing(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  return (await isExecutable(path)) ? path : undefined;
}

async function onPath(pathVariable: string | undefined): Promise<string | undefined> {
  if (pathVariable === undefined) return undefined;
  for (const dir of pathVariable.split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, 'ffmpeg');
    if (await isExecutable(path)) return path;
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs `<path> -version`; undefined when it does not run or does not look like ffmpeg. */
function readVersion(path: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(path, ['-version'], { timeout: VERSION_TIMEOUT_MS }, (error, stdout) => {
      if (error !== null) {
        resolve(undefined);
        return;
      }
      resolve(parseFfmpegVersion(String(stdout)));
    });
  });
}

/** Runs `<path> -h muxer=fifo`: ffmpeg describes the muxer, or says it knows no such format. */
function hasFifoMuxer(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      path,
      ['-hide_banner', '-h', 'muxer=fifo'],
      { timeout: VERSION_TIMEOUT_MS },
      (error, stdout) => resolve(error === null && /^Muxer fifo\b/m.test(String(stdout))),
    );
  });
}

/**
 * The version token of `ffmpeg -version`'s first line (`ffmpeg version 6.1.1 Copyright …` →
 * `6.1.1`), or undefined when the text is not ffmpeg's.
 */
export function parseFfmpegVersion(text: string): string | undefined {
  const firstLine = text.split('\n', 1)[0] ?? '';
  return /^ffmpeg version (\S+)/.exec(firstLine)?.[1];
}

const resolving = new Map<string, Promise<boolean>>();

/**
 * Whether `ffmpeg` can resolve a host name itself. Some static builds cannot: the bundled
 * ffmpeg 4.1 (glibc's resolver, linked statically) crashes with SIGSEGV on any name, even
 * `localhost`. Tried once per binary (`http://localhost:9/`, refused at once), memoized.
 */
export function canResolveHostNames(ffmpeg: FfmpegBinary): Promise<boolean> {
  let answer = resolving.get(ffmpeg.path);
  if (answer === undefined) {
    answer = new Promise((resolve) => {
      const args = ['-hide_banner', '-nostdin', '-loglevel', 'quiet', '-i', 'http://localhost:9/'];
      args.push('-f', 'null', '-');
      execFile(ffmpeg.path, args, { timeout: VERSION_TIMEOUT_MS }, (error) => {
        const signal = (error as { signal?: NodeJS.Signals | null } | null)?.signal;
        resolve(signal !== 'SIGSEGV');
      });
    });
    resolving.set(ffmpeg.path, answer);
  }
  return answer;
}
