import type { ChildProcess } from 'node:child_process';
import {
  AbortError,
  FfmpegError,
  InputError,
  NetworkError,
  UsageError,
  type FramewiseError,
} from '../errors.js';
import { checkLocalInput } from './check-local-input.js';
import { buildFfmpegArgs } from './ffmpeg-args.js';
import {
  classifyFfmpegFailure,
  detectEarlyEnd,
  rejectLargeFrames,
  rejectLongInput,
  rejectTextInput,
} from './ffmpeg-errors.js';
import { FfmpegStderr } from './ffmpeg-stderr.js';
import { findFfmpeg, type FfmpegBinary } from './find-ffmpeg.js';
import type { Frame } from './frame.js';
import { FramePairer } from './frame-pairer.js';
import {
  resolveFrameSourceOptions,
  type FrameSourceOptions,
  type ResolvedFrameSourceOptions,
} from './frame-source-options.js';
import { FrameSlicer } from './frame-slicer.js';
import { resolveInput, type InputLocation } from '../policy/input-location.js';
import { LOCAL_INPUT_ARGS } from './local-formats.js';
import type { SourceInfo } from './source-info.js';
import { spawnFfmpeg } from './spawn-ffmpeg.js';
import { terminateChild } from './terminate-child.js';

/**
 * Input options for where the input is: a local file may only be a video container, never a
 * playlist naming other files; a stream over http(s) or rtmp gives up when the network stalls.
 */
function locationArgs(
  location: InputLocation,
  options: ResolvedFrameSourceOptions,
): readonly string[] {
  if (location.path !== undefined) return LOCAL_INPUT_ARGS;
  if (!TIMED_PROTOCOLS.has(location.protocol ?? '')) return [];
  return ['-rw_timeout', String(Math.round(options.networkTimeoutMs * 1000))];
}

/** Protocols whose connections and reads `-rw_timeout` bounds. */
const TIMED_PROTOCOLS = new Set(['http', 'https', 'rtmp', 'rtmps']);

/** Frames the async iterator asks {@link FrameSource.read} for at a time. */
const ITERATOR_BATCH = 16;

interface Waiter {
  readonly maxFrames: number;
  readonly minFrames: number;
  readonly resolve: (frames: Frame[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Decoded frames of one input, from an ffmpeg child that decodes, optionally resamples to
 * `fps`, scales to `width × height` and writes raw pixels to its stdout.
 *
 * - Each frame's `t` comes from ffmpeg's `showinfo` line for that frame: exact for variable
 *   frame rates, `startSec + i / fps` with `fps`.
 * - Backpressure: at `highWaterFrames` unread frames ffmpeg's stdout is paused, so ffmpeg
 *   blocks and memory stays flat however long the input is. With `overload: 'drop'` the
 *   oldest unread frames are dropped instead (counted in {@link FrameSource.droppedFrames} and
 *   in the next frame's `droppedBefore`), so a slow reader of a live stream stays near live.
 * - End of input: `read()` resolves `[]`. If ffmpeg fails, the frames it decoded before the
 *   failure are delivered first, then every later `read()` rejects with the typed error
 *   ({@link InputError}, {@link NetworkError} or {@link FfmpegError}).
 * - Abort (`signal`): ffmpeg is killed, queued frames are dropped, and pending and later reads
 *   reject with {@link AbortError}.
 * - `close()` kills ffmpeg if it still runs and resolves once it has exited; later reads
 *   resolve `[]`.
 *
 * ## Example
 * ```ts
 * const source = await FrameSource.open({ input: 'clip.mp4', width: 99, height: 99, channels: 3 });
 * try {
 *   for (let batch = await source.read(16); batch.length > 0; batch = await source.read(16)) {
 *     encode(batch);
 *   }
 * } finally {
 *   await source.close();
 * }
 * ```
 */
export class FrameSource implements AsyncIterable<Frame> {
  /** The ffmpeg binary that runs. */
  readonly ffmpeg: FfmpegBinary;
  private readonly options: ResolvedFrameSourceOptions;
  private readonly location: InputLocation;
  private readonly child: ChildProcess;
  private readonly slicer: FrameSlicer;
  private readonly pairer: FramePairer;
  private readonly stderr: FfmpegStderr;
  private ready: Frame[] = [];
  private waiters: Waiter[] = [];
  private delivered = 0;
  private dropped = 0;
  private decoded = 0;
  private paused = false;
  /** Set when the child has exited and both pipes are drained: the outcome is known. */
  private finished = false;
  private endError: FramewiseError | undefined;
  /** A failure found while ffmpeg still runs (text input): reported instead of its exit. */
  private earlyError: FramewiseError | undefined;
  private abortError: AbortError | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private termination: Promise<void> | undefined;
  private readonly onAbort = (): void => this.abort();
  /** When ffmpeg last sent pixels, or was let go on after a pause. */
  private lastData = performance.now();
  /** Checks that a network input keeps sending (see {@link FrameSource.checkStall}). */
  private stallTimer: NodeJS.Timeout | undefined;

  /**
   * Starts ffmpeg on `options.input`. Resolves once the child process runs, before any frame is
   * decoded; input errors found by ffmpeg surface from `read()`.
   *
   * @throws {@link UsageError} for an invalid option; {@link InputError} for a local file that
   *   is missing, unreadable, a directory or empty (checked before spawning);
   *   {@link FfmpegError} when ffmpeg cannot be found or started; {@link AbortError} when
   *   `signal` is already aborted.
   */
  static async open(options: FrameSourceOptions): Promise<FrameSource> {
    const resolved = resolveFrameSourceOptions(options);
    const location = resolveInput(resolved.input);
    throwIfAborted(resolved.signal, location.input);
    if (location.path !== undefined) await checkLocalInput(location.path, location.input);
    const ffmpeg = resolved.ffmpeg ?? (await findFfmpeg());
    throwIfAborted(resolved.signal, location.input);
    const args = buildFfmpegArgs({
      ...resolved,
      // A local file may only be a video container, never a playlist naming other files.
      inputArgs: [...locationArgs(location, resolved), ...resolved.inputArgs],
      input: location.ffmpegInput,
      decodeAheadFrames: ffmpeg.fifoMuxer ? resolved.decodeAheadFrames : 0,
    });
    const child = await spawnFfmpeg(ffmpeg, args);
    return new FrameSource(resolved, location, ffmpeg, child);
  }

  private constructor(
    options: ResolvedFrameSourceOptions,
    location: InputLocation,
    ffmpeg: FfmpegBinary,
    child: ChildProcess,
  ) {
    this.options = options;
    this.location = location;
    this.ffmpeg = ffmpeg;
    this.child = child;
    this.slicer = new FrameSlicer(options.width * options.height * options.channels);
    this.pairer = new FramePairer(options.startSec, options.firstIndex);
    this.pairer.setFrameRate(options.fps);
    // A failed kill is reported as an 'error' event; the exit that follows carries the outcome.
    this.stderr = new FfmpegStderr({
      onTimestamp: (shown) => {
        this.decoded++;
        this.enqueue(this.pairer.pushTimestamp(shown));
      },
      onTimeBase: (timeBase) => this.pairer.setTimeBase(timeBase),
      onHeader: (info) => this.onHeader(info),
    });
    child.on('error', (error) => this.stderr.note(`child process error: ${error.message}`));
    child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => this.onStderr(text));
    // Frames still waiting for a timestamp will not get one now: let stdout run to its end so
    // that 'close' fires and reports them, instead of staying paused for good.
    child.stderr?.once('end', () => this.resume());
    // 'close' comes after the exit and after both pipes have ended, so every frame and every
    // stderr line has been seen.
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
      this.onClose(code, signal),
    );
    if (TIMED_PROTOCOLS.has(location.protocol ?? '')) {
      const every = Math.max(50, Math.min(1000, options.networkTimeoutMs / 4));
      this.stallTimer = setInterval(() => this.checkStall(), every).unref();
    }
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    // The signal may have fired while the child was starting; the listener would miss that.
    if (options.signal?.aborted === true) this.abort();
  }

  /** What ffmpeg's header says about the input; undefined until the header has been read. */
  get info(): SourceInfo | undefined {
    return this.stderr.info;
  }

  /** Frames handed out by `read()` so far. */
  get framesRead(): number {
    return this.delivered;
  }

  /**
   * Frames ffmpeg has decoded so far (its `showinfo` lines), read or not: it runs ahead of
   * `framesRead` by what waits here, in the pipe and in its decode-ahead queue.
   */
  get framesDecoded(): number {
    return this.decoded;
  }

  /** Frames dropped because the reader fell behind (overload policy `drop`). */
  get droppedFrames(): number {
    return this.dropped;
  }

  /** Frames decoded and not yet read (including those waiting for their timestamp). */
  get queuedFrames(): number {
    return this.ready.length + this.pairer.unpairedPixels;
  }

  /**
   * Resolves with up to `maxFrames` frames once `minFrames` are decoded, with fewer when the
   * input ends first, and with `[]` at the end of the input or after `close()`.
   *
   * @param maxFrames - Most frames returned; an integer >= 1.
   * @param minFrames - Frames to wait for: 1 (the default) for live streams, where a frame must
   *   not wait for the next; a whole batch for files, where fewer, larger batches spare the CPU
   *   that ffmpeg needs. At most `highWaterFrames` are waited for (the queue's bound).
   * @throws {@link UsageError} for a bad `maxFrames` or `minFrames`. Rejects with
   *   {@link AbortError} after an abort, or with the typed error of a failed ffmpeg once the
   *   frames before it are read.
   */
  read(maxFrames: number, minFrames = 1): Promise<Frame[]> {
    if (!Number.isInteger(maxFrames) || maxFrames < 1) {
      return Promise.reject(new UsageError(`maxFrames must be an integer >= 1, got ${maxFrames}`));
    }
    if (!Number.isInteger(minFrames) || minFrames < 1 || minFrames > maxFrames) {
      return Promise.reject(
        new UsageError(
          `minFrames must be an integer from 1 to maxFrames (${maxFrames}), got ${minFrames}`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ maxFrames, minFrames, resolve, reject });
      this.serve();
    });
  }

  /** Yields frames one by one; leaving the loop early closes the source. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Frame, void, undefined> {
    try {
      for (;;) {
        const frames = await this.read(ITERATOR_BATCH);
        if (frames.length === 0) return;
        yield* frames;
      }
    } finally {
      await this.close();
    }
  }

  /**
   * Stops ffmpeg (SIGTERM, SIGKILL after a grace period) and resolves once it has exited. Queued
   * frames are dropped and pending reads resolve `[]`. A second call returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.closed = true;
    this.ready = [];
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.serve();
    await this.terminate();
  }

  private abort(): void {
    // After the end too: queued frames are dropped and the next read rejects.
    if (this.closed) return;
    this.abortError = new AbortError(`reading ${this.location.input} was aborted`, {
      cause: this.options.signal?.reason,
    });
    this.ready = [];
    this.serve();
    void this.terminate();
  }

  private terminate(): Promise<void> {
    this.termination ??= terminateChild(this.child);
    return this.termination;
  }

  private onStdout(chunk: Buffer): void {
    this.lastData = performance.now();
    for (const pixels of this.slicer.push(chunk)) this.enqueue(this.pairer.pushPixels(pixels));
    if (
      this.options.overload === 'block' &&
      !this.paused &&
      this.queuedFrames >= this.options.highWaterFrames
    ) {
      this.paused = true;
      this.child.stdout?.pause();
    }
    this.serve();
  }

  private onStderr(text: string): void {
    this.stderr.push(text);
    this.serve();
  }

  private enqueue(frame: Frame | undefined): void {
    if (frame === undefined || this.earlyError !== undefined) return;
    const { maxFrames } = this.options;
    if (maxFrames !== undefined && frame.index >= maxFrames) {
      this.earlyError = new InputError(
        'FW_ERR_INPUT_TOO_LARGE',
        `input is too long: ${this.location.input} has more than ${maxFrames} frames, the most this run takes; split it, or raise the limit (worker: --max-frames)`,
      );
      void this.terminate();
      return;
    }
    this.ready.push(
      this.options.arrivalTimes ? { ...frame, capturedAt: performance.now() } : frame,
    );
    if (this.options.overload === 'drop' && (this.options.readerBehind?.() ?? true)) this.shed();
  }

  /** Drops the oldest unread frames beyond the high-water mark; the survivor notes the count. */
  private shed(): void {
    const excess = this.ready.length - this.options.highWaterFrames;
    if (excess <= 0) return;
    const gone = this.ready.splice(0, excess);
    const before = gone.reduce((sum, frame) => sum + 1 + (frame.droppedBefore ?? 0), 0);
    const next = this.ready[0]!;
    this.ready[0] = { ...next, droppedBefore: before + (next.droppedBefore ?? 0) };
    this.dropped += excess;
  }

  private onHeader(info: SourceInfo): void {
    if (this.options.fps === undefined) this.pairer.setFrameRate(info.fps);
    const notVideo =
      rejectTextInput(info, this.location.input) ??
      rejectLargeFrames(info, this.location.input, this.options.maxInputPixels) ??
      rejectLongInput(this.labeledSeconds(info), this.location.input, this.options.maxInputSeconds);
    if (notVideo !== undefined && this.earlyError === undefined) {
      this.earlyError = notVideo;
      void this.terminate();
    }
  }

  /**
   * A network input that sends too slowly to give a frame in twice `networkTimeoutMs` (a byte
   * every few seconds keeps each of ffmpeg's reads alive) ends the run with a retryable
   * {@link NetworkError}. Time paused for the reader does not count.
   */
  private checkStall(): void {
    const now = performance.now();
    if (this.paused) this.lastData = now;
    if (this.finished || this.closed || this.earlyError !== undefined) return;
    // Twice ffmpeg's own read timeout: a connection that drops is ffmpeg's to report first.
    const limit = 2 * this.options.networkTimeoutMs;
    if (now - this.lastData <= limit) return;
    this.earlyError = new NetworkError(
      `network input stalled: ${this.location.input} sent no video for ${Math.round(limit / 1000)} s; check the server (a queued job is retried)`,
    );
    void this.terminate();
  }

  /** Seconds of the input this run reads: from `startSec`, at most `durationSec`. */
  private labeledSeconds(info: SourceInfo): number | undefined {
    if (info.durationSec === undefined) return undefined;
    const rest = Math.max(0, info.durationSec - this.options.startSec);
    return Math.min(rest, this.options.durationSec ?? Number.POSITIVE_INFINITY);
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    clearInterval(this.stallTimer);
    this.stderr.end();
    this.finished = true;
    if (this.abortError === undefined && !this.closed) this.endError = this.outcome(code, signal);
    this.serve();
  }

  /** The error that ends this run, or undefined for a clean end of input. */
  private outcome(code: number | null, signal: NodeJS.Signals | null): FramewiseError | undefined {
    if (this.earlyError !== undefined) return this.earlyError;
    const context = {
      input: this.location.input,
      remote: this.location.protocol !== undefined,
      opened: this.stderr.opened,
      exitCode: code,
      signal,
      stderr: this.stderr.tail(),
    };
    if (code !== 0) return classifyFfmpegFailure(context);
    const dangling = this.slicer.end();
    if (dangling > 0 || this.pairer.unpairedPixels > 0) {
      return new FfmpegError(
        'FW_ERR_FFMPEG_FAILED',
        `ffmpeg's output for ${this.location.input} ended inside a frame or without timestamps (${dangling} stray bytes, ${this.pairer.unpairedPixels} frames without showinfo); retry, or set FFMPEG_PATH to another ffmpeg`,
      );
    }
    return detectEarlyEnd(context, this.location.ffmpegInput);
  }

  /** Settles waiting reads in order, as far as the queue and the outcome allow. */
  private serve(): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters[0] as Waiter;
      if (this.abortError !== undefined) waiter.reject(this.abortError);
      else if (this.ready.length >= this.enough(waiter) || (this.finished && this.ready.length > 0))
        waiter.resolve(this.take(waiter.maxFrames));
      else if (this.closed) waiter.resolve([]);
      else if (!this.finished) return;
      else if (this.endError !== undefined) waiter.reject(this.endError);
      else waiter.resolve([]);
      this.waiters.shift();
    }
  }

  /**
   * Frames that satisfy `waiter` now: never more than the queue holds before ffmpeg is paused,
   * and whatever is there once it is paused (the frames still without timestamps count towards
   * the bound), so that a waiting read cannot stall the source.
   */
  private enough(waiter: Waiter): number {
    if (this.paused) return 1;
    return Math.max(1, Math.min(waiter.minFrames, this.options.highWaterFrames));
  }

  private take(maxFrames: number): Frame[] {
    const frames = this.ready.splice(0, maxFrames);
    this.delivered += frames.length;
    if (this.queuedFrames < this.options.highWaterFrames) this.resume();
    return frames;
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.lastData = performance.now();
    this.child.stdout?.resume();
  }
}

function throwIfAborted(signal: AbortSignal | undefined, input: string): void {
  if (signal?.aborted === true) {
    throw new AbortError(`reading ${input} was aborted before ffmpeg started`, {
      cause: signal.reason,
    });
  }
}
