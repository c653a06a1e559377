import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError, NetworkError } from '../errors.js';
import type { Frame } from './frame.js';
import { FrameSource } from './frame-source.js';
import type { FrameSourceOptions } from './frame-source-options.js';
import { ReaderLoad } from './reader-load.js';
import { StreamClock } from './stream-clock.js';

/** How a live source behaves when its stream stops. */
export interface LiveOptions {
  /**
   * No frame for this long means the stream is stuck: ffmpeg is restarted. Milliseconds.
   * @defaultValue 10000
   */
  readonly watchdogMs?: number;
  /**
   * First reconnect delay, doubled after each failed attempt up to `maxBackoffMs`, with ±20%
   * jitter so that many workers do not reconnect in step. Milliseconds.
   * @defaultValue 500
   */
  readonly backoffMs?: number;
  /**
   * Longest reconnect delay, in milliseconds.
   * @defaultValue 30000
   */
  readonly maxBackoffMs?: number;
  /**
   * Consecutive failed reconnects before the source gives up (the job fails).
   * @defaultValue Infinity
   */
  readonly maxReconnects?: number;
  /**
   * With the source's `overload: 'drop'`: frames captured longer ago than this are dropped
   * instead of labeled, so a slow model skips ahead to the present rather than falling behind.
   * Milliseconds.
   * @defaultValue 500
   */
  readonly maxLagMs?: number;
  /** Called on each reconnect attempt, for logs and metrics. */
  readonly onReconnect?: (attempt: number, reason: string) => void;
}

/** Defaults of {@link LiveOptions}. */
export const LIVE_DEFAULTS = {
  watchdogMs: 10_000,
  backoffMs: 500,
  maxBackoffMs: 30_000,
  maxLagMs: 500,
} as const;
/** ffmpeg input options for live sources: short probing, no buffering. */
const LIVE_INPUT_ARGS = [
  '-fflags',
  'nobuffer',
  '-analyzeduration',
  '1000000',
  '-probesize',
  '1000000',
];
/** ffmpeg input formats whose timestamps are not the source's: their frames are timed by arrival. */
const ARRIVAL_TIMED_FORMATS = new Set(['mpjpeg']);
/** Share of a reconnect delay added or taken away at random. */
const JITTER = 0.2;

/**
 * A live stream that never gives up: when ffmpeg ends, fails, or delivers no frame within the
 * watchdog interval, it is restarted with capped exponential backoff and jitter. Frames keep
 * their numbering across restarts; `t` counts seconds since the source started (each
 * connection's timestamps are placed where its first frame arrived), and the first frame after
 * an outage carries the outage's length in `gapBefore`. Each frame's `capturedAt` comes from a
 * {@link StreamClock}; with the source's `overload: 'drop'`, frames older than `maxLagMs` are
 * dropped while the reader is too slow for the stream ({@link ReaderLoad}); the next frame kept
 * notes them in `droppedBefore`.
 */
export class LiveFrameSource {
  private current: FrameSource | undefined;
  private nextIndex = 0;
  private readonly startedAt = performance.now();
  /** Seconds since start where the current connection's pts 0 lies. */
  private offsetSec: number | undefined;
  /** Arrival of the current connection's first frame, for streams timed by arrival. */
  private firstArrivalMs: number | undefined;
  private lastT: number | undefined;
  private pendingGap = false;
  /** Frames dropped (stale, or by the source's queue) since the last frame handed out. */
  private pendingDrops = 0;
  private readonly clock = new StreamClock();
  private readonly load = new ReaderLoad();
  private closed = false;
  private closing: Promise<void> | undefined;

  /**
   * @param start - Continue a resumed job: the first frame's index, and the time its `t` must
   *   not precede (the interrupted run's last frame, plus the outage).
   */
  constructor(
    private readonly source: Omit<FrameSourceOptions, 'startSec' | 'durationSec' | 'firstIndex'>,
    private readonly live: LiveOptions = {},
    start?: { readonly index: number; readonly t: number },
  ) {
    if (start !== undefined) {
      this.nextIndex = start.index;
      this.lastT = start.t;
    }
  }

  /** Frames read so far (across connections). */
  get framesRead(): number {
    return this.nextIndex;
  }

  /**
   * Resolves with 1 to `maxFrames` frames as soon as any is ready, reconnecting as often as it
   * takes; `[]` only after `close()` or an abort.
   */
  async read(maxFrames: number): Promise<Frame[]> {
    let failures = 0;
    while (!this.closed) {
      this.throwIfAborted();
      const source = (this.current ??= await this.connect());
      const asked = performance.now();
      const outcome = await this.readWithWatchdog(source, maxFrames);
      this.load.note(asked, performance.now());
      if (Array.isArray(outcome) && outcome.length > 0) {
        const fresh = this.shed(this.place(outcome));
        // All stale: the connection is healthy, read on to the present.
        if (fresh.length > 0) return fresh;
        continue;
      }
      const reason = Array.isArray(outcome) ? 'the stream ended' : outcome;
      await this.disconnect();
      if (this.closed) break;
      this.throwIfAborted();
      failures++;
      if (failures > (this.live.maxReconnects ?? Infinity)) {
        throw new NetworkError(
          `live source ${this.source.input} failed ${failures} times in a row: ${reason}`,
        );
      }
      this.live.onReconnect?.(failures, reason);
      await this.backoff(failures);
    }
    return [];
  }

  /** Stops ffmpeg; later reads resolve `[]`. Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.disconnect();
    return this.closing;
  }

  private async connect(): Promise<FrameSource> {
    this.offsetSec = undefined;
    this.firstArrivalMs = undefined;
    this.clock.reset();
    this.load.reset();
    return FrameSource.open({
      ...this.source,
      // ffmpeg probes 5 s of an MPEG-TS stream before its first frame by default: too late for
      // live labels and for the watchdog. One second of probing and no input buffering.
      inputArgs: [...LIVE_INPUT_ARGS, ...(this.source.inputArgs ?? [])],
      firstIndex: this.nextIndex,
      arrivalTimes: true,
      readerBehind: () => this.load.busy,
    });
  }

  private async disconnect(): Promise<void> {
    const source = this.current;
    this.current = undefined;
    if (source !== undefined) {
      await source.close();
      if (this.lastT !== undefined) this.pendingGap = true;
    }
  }

  /** Frames, or the reason the connection is over (an error or a stuck stream). */
  private async readWithWatchdog(
    source: FrameSource,
    maxFrames: number,
  ): Promise<Frame[] | string> {
    let timer: NodeJS.Timeout | undefined;
    const watchdogMs = this.live.watchdogMs ?? LIVE_DEFAULTS.watchdogMs;
    const stuck = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no frame for ${watchdogMs} ms`), watchdogMs);
    });
    try {
      return await Promise.race([source.read(maxFrames), stuck]);
    } catch (error) {
      if (error instanceof AbortError) throw error;
      return error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Numbers and times frames across connections; marks the first after an outage. */
  private place(read: Frame[]): Frame[] {
    const frames = this.retimeByArrival(read);
    const now = (performance.now() - this.startedAt) / 1000;
    const first = frames[0]!;
    // A connection's pts start anywhere: anchor its first frame at its arrival time.
    this.offsetSec ??= Math.max(
      now - first.t,
      this.lastT === undefined ? 0 : this.lastT + 1e-3 - first.t,
    );
    const placed = frames.map((frame, i) => {
      const t = this.offsetSec! + frame.t;
      const gap =
        i === 0 && this.pendingGap && this.lastT !== undefined ? t - this.lastT : undefined;
      return {
        ...frame,
        t,
        capturedAt: this.clock.capturedAt(t, frame.capturedAt ?? performance.now()),
        ...(gap === undefined ? {} : { gapBefore: gap }),
      };
    });
    this.pendingGap = false;
    this.lastT = placed[placed.length - 1]!.t;
    this.nextIndex = placed[placed.length - 1]!.index + 1;
    return placed;
  }

  /**
   * Streams without timestamps of their own (MJPEG: ffmpeg numbers its frames at a made-up
   * 25 fps, whatever the camera sends) are timed by arrival, from the connection's first frame.
   */
  private retimeByArrival(frames: Frame[]): Frame[] {
    if (!ARRIVAL_TIMED_FORMATS.has(this.current?.info?.format ?? '')) return frames;
    const arrivals = frames.map((frame) => frame.capturedAt ?? performance.now());
    this.firstArrivalMs ??= arrivals[0]!;
    const first = this.firstArrivalMs;
    return frames.map((frame, i) => ({ ...frame, t: (arrivals[i]! - first) / 1000 }));
  }

  /**
   * Drops frames older than `maxLagMs` while the reader is the bottleneck (overload policy
   * `drop`); late frames always come first.
   */
  private shed(frames: Frame[]): Frame[] {
    if (this.source.overload !== 'drop' || !this.load.busy) return frames;
    const now = performance.now();
    const maxLagMs = this.live.maxLagMs ?? LIVE_DEFAULTS.maxLagMs;
    const kept: Frame[] = [];
    let gapBefore: number | undefined;
    for (const frame of frames) {
      if (now - frame.capturedAt! > maxLagMs) {
        this.pendingDrops += 1 + (frame.droppedBefore ?? 0);
        gapBefore ??= frame.gapBefore;
        continue;
      }
      if (this.pendingDrops === 0 && gapBefore === undefined) {
        kept.push(frame);
        continue;
      }
      const dropped = this.pendingDrops + (frame.droppedBefore ?? 0);
      gapBefore ??= frame.gapBefore;
      kept.push({
        ...frame,
        ...(dropped === 0 ? {} : { droppedBefore: dropped }),
        ...(gapBefore === undefined ? {} : { gapBefore }),
      });
      this.pendingDrops = 0;
      gapBefore = undefined;
    }
    return kept;
  }

  private async backoff(attempt: number): Promise<void> {
    const base = Math.min(
      (this.live.backoffMs ?? LIVE_DEFAULTS.backoffMs) * 2 ** (attempt - 1),
      this.live.maxBackoffMs ?? LIVE_DEFAULTS.maxBackoffMs,
    );
    const delay = base * (1 - JITTER + 2 * JITTER * Math.random());
    try {
      await sleep(
        delay,
        undefined,
        this.source.signal === undefined ? {} : { signal: this.source.signal },
      );
    } catch {
      // Aborted while waiting: the next loop turn reports it.
    }
  }

  private throwIfAborted(): void {
    if (this.source.signal?.aborted === true) {
      throw new AbortError(`reading ${this.source.input} was aborted`, {
        cause: this.source.signal.reason,
      });
    }
  }
}
