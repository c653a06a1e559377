import { OVERLOAD_POLICIES } from '../decode/frame-source-options.js';
import {
  choice,
  defaults,
  flag,
  integer,
  number,
  parseOptions,
  type OptionValues,
} from './option.js';

/** Every accepted `--mode`: how the recurrent head runs. */
export const HEAD_MODES = ['window', 'stateful'] as const;
/** How the recurrent head runs. */
export type HeadMode = (typeof HEAD_MODES)[number];

/**
 * Most frames per window: far beyond any recurrent head's training windows, and what keeps a
 * window's embeddings and the warm-up within memory.
 */
export const MAX_WINDOW = 1024;

/** Longest start or duration, in seconds: 115 days, more than any file's length. */
export const MAX_SECONDS = 10_000_000;

/** Shortest duration, in seconds: ffmpeg takes times to the microsecond; a millisecond is less than a frame. */
export const MIN_DURATION_SEC = 0.001;

/** Lowest `--fps`: one frame in about 17 minutes. */
export const MIN_FPS = 0.001;

/** Options of one labeling run that a queue job carries: each has a payload field. */
export const JOB_LABEL_OPTIONS = {
  window: integer('window', {
    min: 1,
    max: MAX_WINDOW,
    valueName: '<N>',
    help: 'frames per window',
    defaultText: "the model's time dimension, else window in framewise.json, else 4",
    field: 'window',
  }),
  stride: integer('stride', {
    min: 1,
    max: 1_000_000,
    default: 1,
    valueName: '<S>',
    help: "frames from one window's end to the next",
    field: 'stride',
  }),
  fps: number('fps', {
    min: MIN_FPS,
    max: 1000,
    valueName: '<F>',
    help: 'sample the video at F frames per second',
    defaultText: "the video's own rate",
    field: 'fps',
  }),
  mode: choice('mode', HEAD_MODES, {
    default: 'window',
    help: 'window: each window from a fresh recurrent state, as the model was trained; stateful: the state carries across the stream, one step per frame',
    field: 'mode',
  }),
  startSec: number('start', {
    min: 0,
    max: MAX_SECONDS,
    valueName: '<sec>',
    help: 'start of the part to label, in seconds from the start of the input',
    defaultText: '0',
    field: 'start',
  }),
  durationSec: number('duration', {
    min: MIN_DURATION_SEC,
    max: MAX_SECONDS,
    valueName: '<sec>',
    help: 'length of the part to label, in seconds',
    defaultText: 'all',
    field: 'duration',
  }),
  overload: choice('overload', OVERLOAD_POLICIES, {
    help: 'when labeling falls behind: drop the oldest waiting frames (counted) and stay near live, or block decoding and lose nothing',
    defaultText: 'drop with --live, else block',
    field: 'overload',
  }),
};

/** Options of one labeling run that the process running it decides (a worker, for its jobs). */
export const LOCAL_LABEL_OPTIONS = {
  batch: integer('batch', {
    min: 1,
    max: 1024,
    default: 16,
    valueName: '<B>',
    help: 'frames per encoder batch',
  }),
  noCache: flag('no-cache', {
    help: "ablation for benchmarks: encode every window's frames anew instead of once per frame",
  }),
};

/** Every option of one labeling run: the fields of {@link LabelOptions}. */
export const LABEL_OPTIONS = { ...JOB_LABEL_OPTIONS, ...LOCAL_LABEL_OPTIONS };

/** Options of one labeling run, checked (see {@link LABEL_OPTIONS}). */
export type LabelOptions = OptionValues<typeof LABEL_OPTIONS>;

/** {@link LabelOptions} when nothing is given. */
export const DEFAULT_LABEL_OPTIONS: Readonly<LabelOptions> = defaults(LABEL_OPTIONS);

/**
 * Checks label options given in code, by their names in {@link LabelOptions}: each given value
 * against its option's schema, each missing one from its default. Parse once, at start-up.
 * @throws {@link UsageError} naming the option, the rule and the value.
 */
export function parseLabelOptions(
  given: Readonly<Partial<Record<keyof LabelOptions, unknown>>>,
): LabelOptions {
  return parseOptions(LABEL_OPTIONS, given);
}
