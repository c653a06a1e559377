import type { RunnableModel } from '../model/runnable-model.js';
import { emptyCounters, type LabelCounters } from './label-counters.js';
import type { FrameReader, LabelFramesOptions } from './label-frames-options.js';
import type { Label } from './label.js';
import { statefulLabels } from './stateful-labels.js';
import { windowLabels } from './window-labels.js';

export { emptyCounters } from './label-counters.js';
export type { Gap, LabelCounters } from './label-counters.js';
export type { FrameReader, LabelFramesOptions } from './label-frames-options.js';

/**
 * Labels a stream of frames: encodes each batch with the model's CNN (each frame once, with
 * the cache), slides windows over the frames and classifies them with the recurrent head,
 * yielding labels in frame order as soon as their batch is done. Reads ahead only as far as
 * the encoder has threads to keep busy, so a slow model paces the source (backpressure).
 */
export async function* labelFrames(
  reader: FrameReader,
  model: RunnableModel,
  options: LabelFramesOptions,
  counters: LabelCounters = emptyCounters(),
): AsyncGenerator<Label, LabelCounters> {
  const run = options.mode === 'stateful' ? statefulLabels : windowLabels;
  yield* run(reader, model, options, counters);
  return counters;
}
