import { Subject } from 'rxjs';
import type { BatchEncoder } from '../model/run/batch-encoder.js';
import { EmbeddingCache } from './embedding-cache.js';
import type { RunnableModel } from '../model/runnable-model.js';
import type { Frame } from '../decode/frame.js';
import {
  noteBreaks,
  settleWhileReading,
  startEncoding,
  labelsBeforeFailure,
  startReading,
  startsBreak,
  toLabel,
} from './batch-steps.js';
import type { LabelCounters } from './label-counters.js';
import type { FrameReader, LabelFramesOptions } from './label-frames-options.js';
import type { Label } from './label.js';
import { slidingWindow } from './sliding-window.js';

/**
 * Windows the head classifies in one call when labels need not come out at once (files): its
 * cost per call is mostly fixed, so larger calls cost less per window, with little left to gain
 * past this size (docs/performance.md).
 */
const HEAD_BATCH_WINDOWS = 64;

/** A batch read and sent to the encoder, waiting to be labeled in order. */
interface Pending {
  readonly batch: readonly Frame[];
  /** The frames that lie in some window: the ones encoded. */
  readonly used: readonly Frame[];
  readonly embeddings: Promise<Float32Array> | undefined;
}

/**
 * Window mode: each window of N frames is classified from a fresh recurrent state. Each frame
 * goes through the CNN once (the cache); windows never span an outage or dropped frames (the
 * window grid starts again after one). With an encoder of several threads, that many batches
 * are encoding while the next is read; labels still come in frame order.
 */
export async function* windowLabels(
  reader: FrameReader,
  model: RunnableModel,
  options: LabelFramesOptions,
  counters: LabelCounters,
): AsyncGenerator<Label> {
  const { window: n, stride, cache: useCache } = options;
  const encoder = options.encoder ?? model.encoder;
  const d = encoder.embeddingSize;
  const depth = useCache ? batchesInFlight(encoder) : 1;
  const headWindows = options.fullBatches === true ? HEAD_BATCH_WINDOWS : 1;
  const cache = new EmbeddingCache();
  const ready: Frame[][] = [];
  const pending: Pending[] = [];
  let frames = new Subject<Frame>();
  let subscription = frames.pipe(slidingWindow<Frame>(n, stride)).subscribe((w) => ready.push(w));
  // Windows are laid from the first frame of the stream, of a resumed run, or after an outage
  // or a drop: a window always holds consecutive frames.
  let gridStart = options.resume?.frame ?? 0;
  let last: Frame | undefined;

  async function* settle(): AsyncGenerator<Label> {
    const { batch, used, embeddings } = pending.shift()!;
    if (embeddings !== undefined) {
      const floats = await embeddings;
      used.forEach((frame, i) => cache.put(frame.index, floats.subarray(i * d, (i + 1) * d)));
    }
    for (const frame of batch) frames.next(frame);
    // The windows wait in `ready`, their embeddings in the cache, until there are enough.
    if (ready.length >= headWindows) yield* classify();
  }

  /** Labels every window that is ready, in one call of the head. */
  async function* classify(): AsyncGenerator<Label> {
    if (ready.length === 0) return;
    const windows = ready.splice(0);
    const input = new Float32Array(windows.length * n * d);
    if (useCache) {
      windows.forEach((w, k) => cache.copyRun(w[0]!.index, n, input, k * n * d));
      cache.evictBefore(windows[windows.length - 1]![0]!.index + stride);
    } else {
      input.set(await startEncoding(encoder, windows.flat(), options));
      counters.encoded += windows.length * n;
    }
    const scores = await model.head.classifyWindows(input, windows.length, n);
    counters.windows += windows.length;
    for (const [k, w] of windows.entries()) {
      const end = w[n - 1]!;
      yield toLabel(model, scores, k, end.index, w[0]!.index, end.t, end.capturedAt);
    }
    const start = windows[windows.length - 1]![0]!;
    counters.resumePoint = { frame: start.index, t: start.t };
  }

  /** Labels everything read so far: before a break in the stream and at its end. */
  async function* flush(): AsyncGenerator<Label> {
    while (pending.length > 0) yield* settle();
    yield* classify();
  }

  try {
    for (;;) {
      const reading = startReading(reader, options);
      yield* settleWhileReading(reading, pending, settle);
      let batch: Frame[];
      try {
        batch = await reading;
      } catch (error) {
        // What was read before the input failed is labeled, then the failure is reported.
        if (labelsBeforeFailure(error)) yield* flush();
        throw error;
      }
      if (batch.length === 0) break;
      counters.frames += batch.length;
      const broken = startsBreak(batch, last);
      // Everything before a break is labeled before it is reported, and the grid moves on.
      if (broken) yield* flush();
      noteBreaks(batch, last, options, counters);
      if (broken) {
        subscription.unsubscribe();
        frames = new Subject<Frame>();
        subscription = frames.pipe(slidingWindow<Frame>(n, stride)).subscribe((w) => ready.push(w));
        cache.clear();
        gridStart = batch[0]!.index;
      }
      last = batch[batch.length - 1];
      const used = useCache
        ? batch.filter((f) => inSomeWindow(f.index - gridStart, n, stride))
        : [];
      pending.push({
        batch,
        used,
        embeddings: used.length > 0 ? startEncoding(encoder, used, options) : undefined,
      });
      while (pending.length >= depth) yield* settle();
    }
    yield* flush();
  } finally {
    subscription.unsubscribe();
    counters.encoded += cache.encoded;
    counters.cacheHits += cache.cacheHits;
    cache.clear();
  }
}

/**
 * Batches to keep between reading and labeling: one per encoder thread plus the one being
 * read, so that every thread stays busy while this thread reads and runs the head; one (no
 * overlap) for an encoder on this thread.
 */
export function batchesInFlight(encoder: BatchEncoder): number {
  return encoder.concurrent ? encoder.parallelism + 1 : 1;
}

/** With `stride > window` some frames lie in no window: they need no CNN pass. */
function inSomeWindow(index: number, window: number, stride: number): boolean {
  return stride <= window || index % stride < window;
}
