import type { RunnableModel } from '../model/runnable-model.js';
import type { Frame } from '../decode/frame.js';
import {
  emitsAt,
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
import { batchesInFlight } from './window-labels.js';

/** A batch read and sent to the encoder, waiting to be stepped in order. */
interface Pending {
  readonly batch: readonly Frame[];
  readonly embeddings: Promise<Float32Array>;
}

/**
 * Stateful mode: the recurrent state carries across the stream, one step per frame, a label
 * every S frames. After an outage the state starts afresh (unless `keepStateOverGaps`); dropped
 * frames are stepped over. With an encoder of several threads, batches encode while the next
 * is read; the head steps them in frame order.
 */
export async function* statefulLabels(
  reader: FrameReader,
  model: RunnableModel,
  options: LabelFramesOptions,
  counters: LabelCounters,
): AsyncGenerator<Label> {
  const { window: n, stride, resume } = options;
  const encoder = options.encoder ?? model.encoder;
  const depth = batchesInFlight(encoder);
  const pending: Pending[] = [];
  let state =
    resume?.state === undefined ? model.head.createState() : model.head.restoreState(resume.state);
  let streamStart = resume?.start ?? 0;
  let last: Frame | undefined;

  async function* settle(): AsyncGenerator<Label> {
    const { batch, embeddings } = pending.shift()!;
    const floats = await embeddings;
    counters.encoded += batch.length;
    const emitAt = batch.flatMap((f, i) => (emitsAt(f.index - streamStart, n, stride) ? [i] : []));
    const scores = await model.head.step(state, floats, batch.length, emitAt);
    counters.windows += emitAt.length;
    for (const [k, i] of emitAt.entries()) {
      const frame = batch[i]!;
      yield toLabel(model, scores, k, frame.index, streamStart, frame.t, frame.capturedAt);
    }
    const end = batch[batch.length - 1]!;
    counters.resumePoint = {
      frame: end.index,
      t: end.t,
      state: state.toArrays(),
      start: streamStart,
    };
  }

  try {
    for (;;) {
      const reading = startReading(reader, options);
      yield* settleWhileReading(reading, pending, settle);
      let read: Frame[];
      try {
        read = await reading;
      } catch (error) {
        // What was read before the input failed is labeled, then the failure is reported.
        if (labelsBeforeFailure(error)) while (pending.length > 0) yield* settle();
        throw error;
      }
      if (read.length === 0) break;
      counters.frames += read.length;
      // The resume frame was stepped before the interruption: its effect is in the state.
      const batch = resume === undefined ? read : read.filter((f) => f.index > resume.frame);
      if (batch.length === 0) continue;
      const first = batch[0]!;
      const broken = startsBreak(batch, last);
      if (broken) while (pending.length > 0) yield* settle();
      noteBreaks(batch, last, options, counters);
      if (broken && first.gapBefore !== undefined && options.keepStateOverGaps !== true) {
        state.dispose();
        state = model.head.createState();
        streamStart = first.index;
      }
      last = batch[batch.length - 1];
      pending.push({ batch, embeddings: startEncoding(encoder, batch, options) });
      while (pending.length >= depth) yield* settle();
    }
    while (pending.length > 0) yield* settle();
  } finally {
    state.dispose();
  }
}
