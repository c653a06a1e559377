import { UsageError } from '../../src/errors.js';
import { SeededRandom } from '../../src/train/seeded-random.js';
import type { TrainingWindows } from '../../src/train/training-hooks.js';
import type { WindowExamples } from '../../src/train/window-examples.js';

/** What {@link spliceWindows} makes. */
export interface SpliceOptions {
  /** Class index the spliced windows are labeled with (e.g. `cut`). */
  readonly label: number;
  /** How many spliced windows to add. */
  readonly count: number;
  /** Frames per window. */
  readonly window: number;
  /** Seed of the choice of windows and splice points: the same seed, the same windows. */
  readonly seed: number;
}

/**
 * Adds synthetic hard cuts to training windows: the first k frames of a window of one video
 * joined to the last N − k frames of a window of another (1 ≤ k < N), both of a class other than
 * `label`, labeled `label`. A cut detector's head must learn that any jump between two frames is
 * a cut, but a dataset has only a few hundred real cuts, between few pairs of shots: the head
 * then learns those pairs. Spliced windows show it thousands of pairs at no decoding cost.
 * `videoOfWindow[i]` is the video window i came from; windows of the same video are never
 * joined, so that both halves come from different shots.
 * @returns the examples with the spliced windows appended.
 */
export function spliceWindows(
  examples: WindowExamples,
  videoOfWindow: readonly number[],
  options: SpliceOptions,
): WindowExamples {
  const random = new SeededRandom(options.seed);
  const sources = examples.labels.flatMap((label, i) => (label === options.label ? [] : [i]));
  const videos = new Set(sources.map((i) => videoOfWindow[i]));
  if (videos.size < 2) return examples;
  const inputs = [...examples.inputs];
  const labels = [...examples.labels];
  while (labels.length < examples.labels.length + options.count) {
    const first = random.pick(sources);
    const second = random.pick(sources);
    if (videoOfWindow[first] === videoOfWindow[second]) continue;
    const k = random.integer(1, options.window - 1);
    inputs.push(splice(examples.inputs[first]!, examples.inputs[second]!, k, options.window));
    labels.push(options.label);
  }
  return { ...examples, inputs, labels };
}

/** What {@link spliceAugmentation} adds. */
export interface SpliceAugmentationOptions {
  /** Class name of the spliced windows (e.g. `cut`): a class of the annotations. */
  readonly label: string;
  /**
   * Spliced windows to add.
   * @defaultValue as many as the training windows of `label`
   */
  readonly count?: number;
  /** Seed of the choice of windows and splice points: the same seed, the same windows. */
  readonly seed: number;
}

/**
 * A `TrainingHooks.augment` that adds spliced windows of one class to the training windows (see
 * {@link spliceWindows}): hard-cut augmentation for a cut detector.
 */
export function spliceAugmentation(
  options: SpliceAugmentationOptions,
): (train: TrainingWindows) => WindowExamples {
  return (train) => {
    const label = train.classes.indexOf(options.label);
    if (label < 0) {
      throw new UsageError(
        `splice label must name a class of the annotations (${train.classes.join(', ')}), got ${JSON.stringify(options.label)}`,
      );
    }
    return spliceWindows(train.examples, train.videoOfWindow, {
      label,
      count: options.count ?? train.examples.labels.filter((l) => l === label).length,
      window: train.window,
      seed: options.seed,
    });
  };
}

/** The first `k` of `window` frames of `a`, then the rest of `b`. */
function splice(
  a: Float32Array | readonly Uint8Array[],
  b: Float32Array | readonly Uint8Array[],
  k: number,
  window: number,
): Float32Array | readonly Uint8Array[] {
  if (a instanceof Float32Array && b instanceof Float32Array) {
    const frameLength = a.length / window;
    const out = new Float32Array(a.length);
    out.set(a.subarray(0, k * frameLength));
    out.set(b.subarray(k * frameLength), k * frameLength);
    return out;
  }
  return [...(a as readonly Uint8Array[]).slice(0, k), ...(b as readonly Uint8Array[]).slice(k)];
}
