import { AbortError } from '../errors.js';
import type { BatchEncoder } from '../model/run/batch-encoder.js';
import type { RunnableModel } from '../model/runnable-model.js';
import type { Frame } from '../decode/frame.js';
import type { LabelCounters } from './label-counters.js';
import type { FrameReader, LabelFramesOptions } from './label-frames-options.js';
import type { Label } from './label.js';

/** Reads the next batch, unless the run was aborted. */
export async function nextBatch(
  reader: FrameReader,
  options: LabelFramesOptions,
): Promise<Frame[]> {
  if (options.signal?.aborted)
    throw new AbortError('labeling was aborted', { cause: options.signal.reason });
  return reader.read(options.batch, options.fullBatches === true ? options.batch : 1);
}

/**
 * Whether the frames read before `error` should still be labeled: yes when the input failed
 * (cut short, the network dropped), so that its end is not lost; no when the run was stopped.
 */
export function labelsBeforeFailure(error: unknown): boolean {
  return !(error instanceof AbortError);
}

/**
 * True when `batch` does not continue the frames before it: an outage or dropped frames.
 * Sources only mark the first frame of a read, the head of their queue.
 */
export function startsBreak(batch: readonly Frame[], last: Frame | undefined): boolean {
  const first = batch[0]!;
  return last !== undefined && (first.gapBefore !== undefined || first.droppedBefore !== undefined);
}

/**
 * Counts a batch's drops and reports an outage before it; call it once every label before the
 * batch is out, so that the outage comes in order.
 */
export function noteBreaks(
  batch: readonly Frame[],
  last: Frame | undefined,
  options: LabelFramesOptions,
  counters: LabelCounters,
): void {
  for (const frame of batch) counters.dropped += frame.droppedBefore ?? 0;
  const first = batch[0]!;
  if (last !== undefined && first.gapBefore !== undefined) {
    counters.gaps++;
    options.onGap?.({ frame: last.index, t: last.t, gap: first.gapBefore });
  }
}

/**
 * Starts encoding `frames`; the promise is marked handled, so that a run that ends early with
 * batches still in flight leaves no unhandled rejection behind.
 */
export function startEncoding(
  encoder: BatchEncoder,
  frames: readonly Frame[],
  options: LabelFramesOptions,
): Promise<Float32Array> {
  const began = performance.now();
  const encoding = Promise.resolve()
    .then(() => encoder.encode(frames.map((f) => f.pixels)))
    .then((embeddings) => {
      options.onEncoderBatch?.((performance.now() - began) / 1000);
      return embeddings;
    });
  encoding.catch(() => undefined);
  return encoding;
}

/** Frames `N-1, N-1+S, N-1+2S, …` (counted from the stream's start) end a window. */
export function emitsAt(position: number, window: number, stride: number): boolean {
  return position >= window - 1 && (position - (window - 1)) % stride === 0;
}

/** Row `row` of the head's `scores` as a label of frame `frame`. */
export function toLabel(
  model: RunnableModel,
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

/**
 * Starts reading the next batch and, until it is there, labels the batches whose encoding has
 * finished (oldest first): with encoder threads a label never waits for the next frame to
 * arrive, which on a live stream would add a frame interval to its latency.
 */
export async function* settleWhileReading<T>(
  reading: Promise<unknown>,
  pending: readonly { readonly embeddings: Promise<unknown> | undefined }[],
  settle: () => AsyncGenerator<T>,
): AsyncGenerator<T> {
  for (;;) {
    const oldest = pending[0];
    if (oldest === undefined) return;
    const encoded = oldest.embeddings ?? Promise.resolve();
    // Both settled already: the read wins (it is first), so batches keep their size.
    const readFirst = await Promise.race([
      reading.then(
        () => true,
        () => true,
      ),
      encoded.then(
        () => false,
        () => false,
      ),
    ]);
    if (readFirst) return;
    yield* settle();
  }
}

/** {@link nextBatch}, started now and marked handled (a run may end before it is awaited). */
export function startReading(reader: FrameReader, options: LabelFramesOptions): Promise<Frame[]> {
  const reading = nextBatch(reader, options);
  reading.catch(() => undefined);
  return reading;
}
