import type { LabelOptions } from '../config/label-options.js';
import type { LoadedModel } from '../model/load-model.js';
import { FrameSource } from '../source/frame-source.js';
import type { Label } from './label.js';
import { labelFrames, type LabelCounters } from './label-frames.js';

/** Hooks and controls of {@link labelVideo}. */
export interface LabelVideoControls {
  /** Kills ffmpeg and ends the run with an AbortError. */
  readonly signal?: AbortSignal;
  /** Filled in as the run goes. */
  readonly counters?: LabelCounters;
  /**
   * Extra ffmpeg input options (the URL policy's `-protocol_whitelist`).
   * @defaultValue none
   */
  readonly inputArgs?: readonly string[];
  /** Called once ffmpeg is started, e.g. to show progress against `source.info`. */
  readonly onSource?: (source: FrameSource) => void;
}

/**
 * The whole local pipeline: ffmpeg decodes `input` at the model's frame size, frames are
 * windowed and labeled. Yields labels in frame order; the ffmpeg child is gone when the
 * generator finishes, fails or is returned early.
 */
export async function* labelVideo(
  input: string,
  model: LoadedModel,
  options: LabelOptions,
  controls: LabelVideoControls = {},
): AsyncGenerator<Label, LabelCounters> {
  // Refuse a head that cannot run stateful before ffmpeg starts, not at the first batch.
  if (options.mode === 'stateful') model.head.assertStateful();
  const { split, preprocessing } = model;
  const source = await FrameSource.open({
    input,
    width: split.width,
    height: split.height,
    channels: split.channels,
    channelOrder: preprocessing.channelOrder,
    ...(options.fps === undefined ? {} : { fps: options.fps }),
    ...(options.startSec === undefined ? {} : { startSec: options.startSec }),
    ...(options.durationSec === undefined ? {} : { durationSec: options.durationSec }),
    ...(controls.signal === undefined ? {} : { signal: controls.signal }),
    ...(controls.inputArgs === undefined ? {} : { inputArgs: controls.inputArgs }),
  });
  try {
    controls.onSource?.(source);
    return yield* labelFrames(
      source,
      model,
      {
        window: options.window ?? model.defaultWindow,
        stride: options.stride,
        mode: options.mode,
        batch: options.batch,
        cache: options.cache,
        ...(controls.signal === undefined ? {} : { signal: controls.signal }),
      },
      controls.counters,
    );
  } finally {
    await source.close();
  }
}
