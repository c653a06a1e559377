import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../errors.js';

/** Keras' `backend.epsilon()`: the floor of the standard deviation Normalization divides by. */
const KERAS_EPSILON = 1e-7;

/** Configuration of {@link KerasNormalization}, as Keras' Normalization layer config gives it. */
export interface KerasNormalizationArgs {
  /**
   * Axis kept (one mean and variance per position along it): the last axis, or none (`null`:
   * one mean and variance for everything). Keras writes it as a list, e.g. `[-1]`.
   * @defaultValue [-1]
   */
  axis?: number | number[] | null;
  /** Mean given at construction (a number or one per channel); `null` when adapted. */
  mean?: number | number[] | null;
  /** Variance given at construction; `null` when adapted. */
  variance?: number | number[] | null;
  /**
   * Undo the normalisation instead (`mean + x · std`).
   * @defaultValue false
   */
  invert?: boolean;
  /** Layer name. */
  name?: string;
  /** Whether the layer is trainable (it has no trainable weights). */
  trainable?: boolean;
}

/**
 * Keras' `Normalization` preprocessing layer, which TensorFlow.js lacks: `(x − mean) /
 * max(√variance, 1e-7)` per channel (`axis=-1`) or over everything (`axis=None`). An adapted
 * layer reads `mean`, `variance` and `count` weights, as Keras saves them; one built with
 * explicit `mean` and `variance` takes them from its config. Other axes are refused.
 */
export class KerasNormalization extends tf.layers.Layer {
  /** @nocollapse */
  static readonly className = 'Normalization';
  private readonly perChannel: boolean;
  /** The axis kept: -1, or the last axis by its index (`axis=3` of a frame, as EfficientNet's). */
  private readonly axis: number;
  private readonly invert: boolean;
  private readonly fixedMean: number | number[] | null;
  private readonly fixedVariance: number | number[] | null;
  private mean?: tf.LayerVariable;
  private variance?: tf.LayerVariable;

  constructor(args: KerasNormalizationArgs) {
    super({ name: args.name, trainable: args.trainable });
    const axis = args.axis === undefined ? [-1] : args.axis;
    const axes = axis === null ? [] : Array.isArray(axis) ? axis : [axis];
    if (axes.length > 1) throw this.unsupportedAxis(axis);
    this.perChannel = axes.length === 1;
    this.axis = axes[0] ?? -1;
    this.invert = args.invert ?? false;
    this.fixedMean = args.mean ?? null;
    this.fixedVariance = args.variance ?? null;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (this.perChannel && this.axis !== -1 && this.axis !== shape.length - 1) {
      throw this.unsupportedAxis([this.axis]);
    }
    if (this.fixedMean === null) {
      const statsShape = this.perChannel ? [shape[shape.length - 1]!] : [];
      const zeros = tf.initializers.zeros();
      this.mean = this.addWeight('mean', statsShape, 'float32', zeros, undefined, false);
      this.variance = this.addWeight('variance', statsShape, 'float32', zeros, undefined, false);
      // Keras keeps the number of samples adapted over; it does not enter the maths.
      this.addWeight('count', [], 'int32', zeros, undefined, false);
    }
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const mean = this.mean?.read() ?? tf.tensor(this.fixedMean!);
      const variance = this.variance?.read() ?? tf.tensor(this.fixedVariance!);
      const std = tf.maximum(tf.sqrt(variance), KERAS_EPSILON);
      return this.invert ? tf.add(mean, tf.mul(x, std)) : tf.div(tf.sub(x, mean), std);
    });
  }

  private unsupportedAxis(axis: unknown): ModelError {
    return new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      `Normalization layer ${this.name} normalises along axis ${JSON.stringify(axis)}; ` +
        `framewise supports the last axis (per channel) or None`,
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      axis: this.perChannel ? [this.axis] : null,
      mean: this.fixedMean,
      variance: this.fixedVariance,
      invert: this.invert,
    };
  }
}

tf.serialization.registerClass(KerasNormalization);
