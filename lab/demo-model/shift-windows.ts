import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../src/errors.js';
import { SeededRandom } from '../../src/train/seeded-random.js';

/** Smallest standard deviation a feature's shift is scaled by, so constant features still move. */
const MIN_FEATURE_STD = 1e-6;
/** Offsets the shifts' stream from the training seed, so that they and the training order differ. */
const SHIFT_SEED_OFFSET = 7919;

/** Windows of frame embeddings laid out `[window][step][feature]` in one array. */
export interface EmbeddingWindows {
  /** `windows × steps × features` embedding values. */
  readonly data: Float32Array;
  /** Time steps (frames) per window. */
  readonly steps: number;
  /** Embedding size. */
  readonly features: number;
}

/**
 * Each feature's standard deviation over all frames of all windows (population, not sample).
 * @returns one value per feature, in the embedding's own units.
 */
export function featureStds(windows: EmbeddingWindows): Float32Array {
  const { data, features } = windows;
  const frames = data.length / features;
  const sum = new Float64Array(features);
  const squares = new Float64Array(features);
  for (let i = 0; i < data.length; i++) {
    const f = i % features;
    const value = data[i]!;
    sum[f]! += value;
    squares[f]! += value * value;
  }
  return Float32Array.from(sum, (s, f) => {
    const mean = s / frames;
    return Math.sqrt(Math.max(0, squares[f]! / frames - mean * mean));
  });
}

/**
 * Shift augmentation: adds to every window ONE offset vector, the same for all its time steps,
 * drawn per feature from a normal distribution with standard deviation `factor × stds[feature]`.
 * Differences between a window's frames are unchanged; what its absolute values say about the
 * source (which colours, which textures) is blurred, so a head trained on shifted windows has to
 * look at changes between frames.
 * @param stds - each feature's spread (see {@link featureStds}), in embedding units.
 * @param factor - shift strength in units of the feature's spread; 0 copies the windows.
 * @returns a new array; `windows.data` is not changed.
 */
export function shiftWindows(
  windows: EmbeddingWindows,
  stds: Float32Array,
  factor: number,
  random: SeededRandom,
): Float32Array {
  const { data, steps, features } = windows;
  const out = Float32Array.from(data);
  if (factor === 0) return out;
  const windowLength = steps * features;
  const offset = new Float32Array(features);
  for (let start = 0; start < out.length; start += windowLength) {
    for (let f = 0; f < features; f++) {
      offset[f] = factor * Math.max(stds[f]!, MIN_FEATURE_STD) * standardNormal(random);
    }
    for (let i = 0; i < windowLength; i++) out[start + i]! += offset[i % features]!;
  }
  return out;
}

/**
 * A `TrainingHooks.augmentEpoch` for a frozen encoder's embeddings: each epoch, every training
 * window gets one fresh random offset, the same at all its time steps, of `factor` times each
 * feature's standard deviation over the training windows (see {@link shiftWindows}), so that
 * the head learns from changes between frames rather than from absolute values. One hook per
 * training: it draws from one seeded stream, epoch after epoch.
 * @param factor - shift strength in units of each feature's spread; 0 shows the inputs as they are.
 * @param seed - the training's seed: the same seed, the same shifts.
 */
export function shiftAugmentation(
  factor: number,
  seed: number,
): (inputs: tf.Tensor, epoch: number) => tf.Tensor {
  const random = new SeededRandom(seed + SHIFT_SEED_OFFSET);
  let measured: { inputs: tf.Tensor; windows: EmbeddingWindows; stds: Float32Array } | undefined;
  return (inputs) => {
    if (inputs.rank !== 3) {
      throw new UsageError(
        `shift augmentation shifts embeddings [windows, steps, features]: it needs a frozen encoder, got inputs of rank ${inputs.rank}`,
      );
    }
    if (factor === 0) return inputs;
    if (measured?.inputs !== inputs) {
      const [, steps, features] = inputs.shape as [number, number, number];
      const windows = { data: inputs.dataSync() as Float32Array, steps, features };
      measured = { inputs, windows, stds: featureStds(windows) };
    }
    const shifted = shiftWindows(measured.windows, measured.stds, factor, random);
    return tf.tensor3d(shifted, inputs.shape as [number, number, number]);
  };
}

/** A standard normal draw (Box–Muller). */
function standardNormal(random: SeededRandom): number {
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
