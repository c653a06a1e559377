import { Subject } from 'rxjs';
import type { LoadedModel } from '../model/load-model.js';
import { slidingWindow } from '../pipeline/sliding-window.js';
import type { Frame } from '../decode/frame.js';
import { FrameSource } from '../decode/frame-source.js';
import { labelAt, type Segment } from './annotations.js';

/** Training windows of one or more videos, with their class indices. */
export interface WindowExamples {
  /**
   * Frozen encoder: each window's embeddings, `window × embeddingSize` floats.
   * Full training: each window's frames' pixels (shared between overlapping windows).
   */
  readonly inputs: (Float32Array | readonly Uint8Array[])[];
  /** Class index of each window. */
  readonly labels: number[];
  /** Frame rates the videos were decoded at (the sampling rate, or each video's own). */
  readonly rates?: number[];
}

/** How windows are cut and what they hold. */
export interface ExampleOptions {
  /** Frames per window. */
  readonly window: number;
  /** Frames from one window's end to the next. */
  readonly stride: number;
  /** Sampling rate, frames per second; the video's own when undefined. */
  readonly fps?: number;
  /** Class names in output order. */
  readonly classes: readonly string[];
  /** Keep embeddings (frozen encoder) rather than pixels. */
  readonly embeddings: boolean;
  /** Frames per encoder batch. */
  readonly batch: number;
}

/**
 * Decodes a video with the same frame source and windows as inference (so training and
 * serving cannot disagree) and labels each window by the annotated segment that holds its
 * last frame's time; windows outside every segment are left out.
 */
export async function collectExamples(
  video: string,
  segments: readonly Segment[],
  model: LoadedModel,
  options: ExampleOptions,
  into: WindowExamples = { inputs: [], labels: [] },
): Promise<WindowExamples> {
  const { split, preprocessing } = model;
  const source = await FrameSource.open({
    input: video,
    width: split.width,
    height: split.height,
    channels: split.channels,
    channelOrder: preprocessing.channelOrder,
    ...(options.fps === undefined ? {} : { fps: options.fps }),
  });
  const frames = new Subject<Frame>();
  const windows: Frame[][] = [];
  const subscription = frames
    .pipe(slidingWindow<Frame>(options.window, options.stride))
    .subscribe((w) => windows.push(w));
  const embeddings = new Map<number, Float32Array>();
  const d = model.encoder.embeddingSize;
  try {
    for (
      let batch = await source.read(options.batch);
      batch.length > 0;
      batch = await source.read(options.batch)
    ) {
      // Frames are views into ffmpeg's output buffers: keep copies, or their embeddings.
      const kept = batch.map((f) => ({
        ...f,
        pixels: options.embeddings ? f.pixels : f.pixels.slice(),
      }));
      if (options.embeddings) {
        const out = model.encoder.encode(kept.map((f) => f.pixels));
        kept.forEach((f, i) => embeddings.set(f.index, out.subarray(i * d, (i + 1) * d)));
      }
      for (const frame of kept) frames.next(frame);
      for (const w of windows.splice(0)) addWindow(w, segments, options, embeddings, d, into);
    }
  } finally {
    subscription.unsubscribe();
    await source.close();
  }
  const rate = options.fps ?? source.info?.fps;
  if (rate !== undefined) into.rates?.push(rate);
  return into;
}

function addWindow(
  window: readonly Frame[],
  segments: readonly Segment[],
  options: ExampleOptions,
  embeddings: ReadonlyMap<number, Float32Array>,
  d: number,
  into: WindowExamples,
): void {
  const label = labelAt(segments, window[window.length - 1]!.t);
  const index = label === undefined ? -1 : options.classes.indexOf(label);
  if (index < 0) return;
  if (options.embeddings) {
    const input = new Float32Array(window.length * d);
    window.forEach((f, i) => input.set(embeddings.get(f.index)!, i * d));
    into.inputs.push(input);
  } else {
    into.inputs.push(window.map((f) => f.pixels));
  }
  into.labels.push(index);
}
