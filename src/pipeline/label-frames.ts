import { Subject } from 'rxjs';
import type { HeadMode } from '../config/label-options.js';
import { AbortError } from '../errors.js';
import { EmbeddingCache } from '../model/embedding-cache.js';
import type { LoadedModel } from '../model/load-model.js';
import type { Frame } from '../source/frame.js';
import type { Label } from './label.js';
import type { ResumePoint } from './resume-point.js';
import { slidingWindow } from './sliding-window.js';

/** Where frames come from: a batch at a time, `[]` at the end (FrameSource does this). */
export interface FrameReader {
  /** Resolves with 1 to `maxFrames` frames as soon as any is ready, `[]` at the end. */
  read(maxFrames: number): Promise<Frame[]>;
}

/** What {@link labelFrames} needs to know, already validated. */
export interface LabelFramesOptions {
  /** Frames per window. */
  readonly window: number;
  /** Frames from one window's end to the next. */
  readonly stride: number;
  /** Fresh state per window, or state carried across the stream. */
  readonly mode: HeadMode;
  /** Frames per encoder batch. */
  readonly batch: number;
  /** Reuse embeddings across overlapping windows. */
  readonly cache: boolean;
  /** Stops the run between two batches. */
  readonly signal?: AbortSignal;
  /**
   * Continue an interrupted run: the reader starts at `resume.frame` (see {@link ResumePoint}).
   */
  readonly resume?: ResumePoint;
  /**
   * Called when the source reports an outage (a live stream that had to reconnect), before the
   * first label after it; windows never span an outage.
   */
  readonly onGap?: (gap: Gap) => void;
  /** Called after each encoder batch with its duration in seconds (for metrics). */
  readonly onEncoderBatch?: (seconds: number) => void;
  /**
   * Stateful mode: keep the recurrent state across an outage instead of starting afresh.
   * @defaultValue false
   */
  readonly keepStateOverGaps?: boolean;
}

/** An outage of a live source, as the labels stream records it. */
export interface Gap {
  /** Index of the last frame before the outage. */
  readonly frame: number;
  /** Time of that frame, in seconds: when the outage began. */
  readonly t: number;
  /** Length of the outage, in seconds. */
  readonly gap: number;
}

/** Counters of a run, updated as it goes. */
export interface LabelCounters {
  /** Frames read from the source. */
  frames: number;
  /** Labels emitted (windows classified). */
  windows: number;
  /** Frames that went through the CNN. */
  encoded: number;
  /** Window frames served from the embedding cache instead of the CNN. */
  cacheHits: number;
  /** Frames the source dropped because labeling fell behind (overload policy `drop`). */
  dropped: number;
  /** Outages of a live source (each one gap marker). */
  gaps: number;
  /**
   * Where the run could resume now: updated after the labels of each batch have been taken, so
   * it never points past a label the consumer has not received.
   */
  resumePoint?: ResumePoint;
}

/** Counters of a run that has not started. */
export function emptyCounters(): LabelCounters {
  return { frames: 0, windows: 0, encoded: 0, cacheHits: 0, dropped: 0, gaps: 0 };
}

/**
 * Labels a stream of frames: encodes each batch with the model's CNN (each frame once, with
 * the cache), slides windows over the frames and classifies them with the recurrent head,
 * yielding labels in frame order as soon as their batch is done. Reads the next batch only
 * after the previous one is labeled, so a slow model paces the source (backpressure).
 */
export async function* labelFrames(
  reader: FrameReader,
  model: LoadedModel,
  options: LabelFramesOptions,
  counters: LabelCounters = emptyCounters(),
): AsyncGenerator<Label, LabelCounters> {
  const run = options.mode === 'stateful' ? statefulBatches : windowBatches;
  yield* run(reader, model, options, counters);
  return counters;
}

async function* windowBatches(
  reader: FrameReader,
  model: LoadedModel,
  options: LabelFramesOptions,
  counters: LabelCounters,
): AsyncGenerator<Label> {
  const { window: n, stride, cache: useCache } = options;
  const d = model.encoder.embeddingSize;
  const cache = new EmbeddingCache();
  const ready: Frame[][] = [];
  let frames = new Subject<Frame>();
  let subscription = frames.pipe(slidingWindow<Frame>(n, stride)).subscribe((w) => ready.push(w));
  // Windows are laid from the first frame of the stream, of a resumed run, or after an outage
  // or a drop: a window always holds consecutive frames.
  let gridStart = options.resume?.frame ?? 0;
  let last: Frame | undefined;
  try {
    for (;;) {
      const batch = await nextBatch(reader, options);
      if (batch.length === 0) break;
      counters.frames += batch.length;
      const first = batch[0]!;
      if (noteBreaks(batch, last, options, counters)) {
        subscription.unsubscribe();
        frames = new Subject<Frame>();
        subscription = frames.pipe(slidingWindow<Frame>(n, stride)).subscribe((w) => ready.push(w));
        cache.clear();
        gridStart = first.index;
      }
      last = batch[batch.length - 1];
      if (useCache) {
        const used = batch.filter((f) => inSomeWindow(f.index - gridStart, n, stride));
        const began = performance.now();
        encodeIntoCache(model, cache, used);
        options.onEncoderBatch?.((performance.now() - began) / 1000);
      }
      for (const frame of batch) frames.next(frame);
      if (ready.length === 0) continue;
      const windows = ready.splice(0);
      const input = new Float32Array(windows.length * n * d);
      if (useCache) {
        windows.forEach((w, k) => cache.copyRun(w[0]!.index, n, input, k * n * d));
        cache.evictBefore(windows[windows.length - 1]![0]!.index + stride);
      } else {
        input.set(model.encoder.encode(windows.flat().map((f) => f.pixels)));
        counters.encoded += windows.length * n;
      }
      const scores = model.head.classifyWindows(input, windows.length, n);
      counters.windows += windows.length;
      for (const [k, w] of windows.entries()) {
        const end = w[n - 1]!;
        yield toLabel(model, scores, k, end.index, w[0]!.index, end.t, end.capturedAt);
      }
      const start = windows[windows.length - 1]![0]!;
      counters.resumePoint = { frame: start.index, t: start.t };
    }
  } finally {
    subscription.unsubscribe();
    counters.encoded += cache.encoded;
    counters.cacheHits += cache.cacheHits;
    cache.clear();
  }
}

async function* statefulBatches(
  reader: FrameReader,
  model: LoadedModel,
  options: LabelFramesOptions,
  counters: LabelCounters,
): AsyncGenerator<Label> {
  const { window: n, stride, resume } = options;
  let state =
    resume?.state === undefined ? model.head.createState() : model.head.restoreState(resume.state);
  let streamStart = resume?.start ?? 0;
  let last: Frame | undefined;
  try {
    for (;;) {
      const read = await nextBatch(reader, options);
      if (read.length === 0) break;
      // The resume frame was stepped before the interruption: its effect is in the state.
      const batch = resume === undefined ? read : read.filter((f) => f.index > resume.frame);
      counters.frames += read.length;
      if (batch.length === 0) continue;
      const first = batch[0]!;
      // Dropped frames are stepped over: the state carries on, as at a lower frame rate.
      if (noteBreaks(batch, last, options, counters) && first.gapBefore !== undefined) {
        if (options.keepStateOverGaps !== true) {
          state.dispose();
          state = model.head.createState();
          streamStart = first.index;
        }
      }
      last = batch[batch.length - 1];
      const began = performance.now();
      const embeddings = model.encoder.encode(batch.map((f) => f.pixels));
      options.onEncoderBatch?.((performance.now() - began) / 1000);
      counters.encoded += batch.length;
      const emitAt = batch.flatMap((f, i) =>
        emitsAt(f.index - streamStart, n, stride) ? [i] : [],
      );
      const scores = model.head.step(state, embeddings, batch.length, emitAt);
      counters.windows += emitAt.length;
      for (const [k, i] of emitAt.entries()) {
        const frame = batch[i]!;
        yield toLabel(model, scores, k, frame.index, streamStart, frame.t, frame.capturedAt);
      }
      counters.resumePoint = {
        frame: last!.index,
        t: last!.t,
        state: state.toArrays(),
        start: streamStart,
      };
    }
  } finally {
    state.dispose();
  }
}

/**
 * Counts a batch's drops and reports an outage before it. True when the batch does
 * not continue the frames before it (an outage or dropped frames): sources only mark the first
 * frame of a read, the head of their queue.
 */
function noteBreaks(
  batch: readonly Frame[],
  last: Frame | undefined,
  options: LabelFramesOptions,
  counters: LabelCounters,
): boolean {
  for (const frame of batch) counters.dropped += frame.droppedBefore ?? 0;
  const first = batch[0]!;
  if (last === undefined) return false;
  if (first.gapBefore !== undefined) {
    counters.gaps++;
    options.onGap?.({ frame: last.index, t: last.t, gap: first.gapBefore });
    return true;
  }
  return first.droppedBefore !== undefined;
}

async function nextBatch(reader: FrameReader, options: LabelFramesOptions): Promise<Frame[]> {
  if (options.signal?.aborted)
    throw new AbortError('labeling was aborted', { cause: options.signal.reason });
  return reader.read(options.batch);
}

/** Frames `N-1, N-1+S, N-1+2S, …` (counted from the stream's start) end a window. */
export function emitsAt(position: number, window: number, stride: number): boolean {
  return position >= window - 1 && (position - (window - 1)) % stride === 0;
}

/** With `stride > window` some frames lie in no window: they need no CNN pass. */
function inSomeWindow(index: number, window: number, stride: number): boolean {
  return stride <= window || index % stride < window;
}

function encodeIntoCache(
  model: LoadedModel,
  cache: EmbeddingCache,
  frames: readonly Frame[],
): void {
  if (frames.length === 0) return;
  const d = model.encoder.embeddingSize;
  const embeddings = model.encoder.encode(frames.map((f) => f.pixels));
  frames.forEach((frame, i) => cache.put(frame.index, embeddings.subarray(i * d, (i + 1) * d)));
}

function toLabel(
  model: LoadedModel,
  scores: Float32Array,
  row: number,
  frame: number,
  start: number,
  t: number,
  capturedAt: number | undefined,
): Label {
  const classes = model.head.classes;
  const probabilities = Array.from(scores.subarray(row * classes, (row + 1) * classes));
  let best = 0;
  for (let c = 1; c < classes; c++) if (probabilities[c]! > probabilities[best]!) best = c;
  const name = model.classNames?.[best];
  return {
    frame,
    start,
    t,
    label: best,
    ...(name === undefined ? {} : { name }),
    score: probabilities[best]!,
    scores: probabilities,
    // Capture to label, for sources that stamp capture times (live streams).
    ...(capturedAt === undefined ? {} : { latencyMs: performance.now() - capturedAt }),
  };
}
