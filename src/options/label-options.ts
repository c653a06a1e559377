import { UsageError } from '../errors.js';
import { oneOf, optionalInteger, optionalNumber, type RawOptions } from './option-values.js';
import { BACKEND_NAMES, type BackendName } from '../model/run/backend.js';
import { OVERLOAD_POLICIES, type OverloadPolicy } from '../decode/frame-source-options.js';

/** How the recurrent head runs. */
export type HeadMode = 'window' | 'stateful';
/** Every accepted `--mode`. */
export const HEAD_MODES: readonly HeadMode[] = ['window', 'stateful'];

/** Options of one labeling run: what `framewise label` and a queue job accept. */
export interface LabelOptions {
  /**
   * Frames per window; undefined takes the model's own time dimension, else 4.
   * @defaultValue the model's
   */
  window?: number;
  /**
   * Frames from one window's end to the next.
   * @defaultValue 1
   */
  stride: number;
  /**
   * Sample the video at this many frames per second; undefined keeps the video's own rate.
   */
  fps?: number;
  /**
   * `window`: each window from a fresh recurrent state; `stateful`: state carried across the
   * stream, one step per frame.
   * @defaultValue 'window'
   */
  mode: HeadMode;
  /**
   * Frames per encoder batch.
   * @defaultValue 16
   */
  batch: number;
  /**
   * Start of the part to label, in seconds from the start of the input.
   */
  startSec?: number;
  /**
   * Length of the part to label, in seconds.
   */
  durationSec?: number;
  /**
   * Reuse each frame's embedding across the windows that hold it; false encodes every window's
   * frames anew (an ablation for benchmarks).
   * @defaultValue true
   */
  cache: boolean;
  /**
   * When labeling falls behind the source: `block` pauses decoding (no frame lost), `drop`
   * drops the oldest waiting frames so that labels stay near real time, counting them.
   * @defaultValue `'drop'` for live streams, `'block'` for files
   */
  overload?: OverloadPolicy;
}

/** Defaults of {@link LabelOptions}. */
export const DEFAULT_LABEL_OPTIONS: LabelOptions = {
  stride: 1,
  mode: 'window',
  batch: 16,
  cache: true,
};

/**
 * Parses and checks label options once, at start-up: defaults first, then one check per field,
 * each failing with a message that names the field, the rule and the value received.
 */
export function parseLabelOptions(raw: RawOptions): LabelOptions {
  const options: LabelOptions = { ...DEFAULT_LABEL_OPTIONS };
  const window = optionalInteger(raw, 'window', 1);
  if (window !== undefined) options.window = window;
  options.stride = optionalInteger(raw, 'stride', 1) ?? options.stride;
  const fps = optionalNumber(raw, 'fps', { min: 0, exclusive: true });
  if (fps !== undefined) options.fps = fps;
  options.mode = oneOf(raw, 'mode', HEAD_MODES) ?? options.mode;
  options.batch = optionalInteger(raw, 'batch', 1) ?? options.batch;
  const start = optionalNumber(raw, 'start', { min: 0, exclusive: false });
  if (start !== undefined) options.startSec = start;
  const duration = optionalNumber(raw, 'duration', { min: 0, exclusive: true });
  if (duration !== undefined) options.durationSec = duration;
  if (raw['no-cache'] === true || raw.cache === false) options.cache = false;
  const overload = oneOf(raw, 'overload', OVERLOAD_POLICIES);
  if (overload !== undefined) options.overload = overload;
  return options;
}

/** Parses `--backend`. */
export function parseBackend(value: string | undefined): BackendName {
  if (value === undefined) return 'auto';
  if (!(BACKEND_NAMES as readonly string[]).includes(value)) {
    throw new UsageError(
      `backend must be one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as BackendName;
}
