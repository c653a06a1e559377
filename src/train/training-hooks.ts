import type * as tf from '@tensorflow/tfjs';
import type { LoadedModel } from '../model/load-model.js';
import type { WindowExamples } from './window-examples.js';

/** The training windows as they were cut from the training videos, before any augmentation. */
export interface TrainingWindows {
  /**
   * The windows and their class indices: each window's embeddings (`window × embeddingSize`
   * floats, step by step) with a frozen encoder, else its frames' pixels.
   */
  readonly examples: WindowExamples;
  /** Whether `examples` holds embeddings (a frozen encoder) rather than pixels. */
  readonly embeddings: boolean;
  /** The training videos, as the annotations name them. */
  readonly videos: readonly string[];
  /** For each window, the index in `videos` of the video it was cut from. */
  readonly videoOfWindow: readonly number[];
  /** Frames per window. */
  readonly window: number;
  /** Class names in output order: what the labels index. */
  readonly classes: readonly string[];
}

/**
 * Ways into training for what framewise does not do itself: layers designed from the data,
 * synthetic windows, per-epoch perturbations. Each hook is optional; training without hooks is
 * plain supervised training on the windows cut from the videos.
 *
 * ## Example
 * ```ts
 * // Flip every window's frames left to right in every other epoch (full training: pixels).
 * const hooks: TrainingHooks = {
 *   augmentEpoch: (inputs, epoch) => (epoch % 2 === 0 ? tf.reverse(inputs, 3) : inputs),
 * };
 * ```
 */
export interface TrainingHooks {
  /**
   * Called once, after the training windows are cut (with a frozen encoder: after its
   * BatchNorm statistics are calibrated, so the embeddings are final) and before
   * {@link augment} and fitting: the place to set head layers' weights from the training data,
   * e.g. a frozen layer designed from the embeddings' statistics. May throw to stop training.
   */
  readonly prepareHead?: (model: LoadedModel, train: TrainingWindows) => void | Promise<void>;
  /**
   * Called once, after {@link prepareHead}: returns the windows to train on, e.g. the windows
   * with synthetic ones added. Validation windows are never augmented.
   * @defaultValue the windows as they were cut
   */
  readonly augment?: (train: TrainingWindows) => WindowExamples;
  /**
   * Called at the start of every epoch (from 1) with the training inputs, in the order they are
   * shown in (`[windows, steps, features]` embeddings with a frozen encoder, else
   * `[windows, steps, height, width, channels]` preprocessed pixels): returns this epoch's
   * inputs, of the same shape, e.g. a perturbed copy. `inputs` itself must not be disposed; a
   * new tensor returned is disposed after the epoch.
   * @defaultValue the same inputs every epoch
   */
  readonly augmentEpoch?: (inputs: tf.Tensor, epoch: number) => tf.Tensor;
}
