import * as tf from '@tensorflow/tfjs';

/** Class name under which {@link GlobalAveragePooling2DKeepdims} is registered. */
export const GLOBAL_AVERAGE_KEEPDIMS_CLASS = 'GlobalAveragePooling2DKeepdims';

/** Configuration of {@link GlobalAveragePooling2DKeepdims}, as Keras' layer config gives it. */
export interface GlobalAveragePooling2DKeepdimsArgs {
  /** Layer name. */
  name?: string;
  /** Whether the layer is trainable (it has no weights). */
  trainable?: boolean;
}

/**
 * Keras' `GlobalAveragePooling2D(keepdims=True)` (channels last), which TensorFlow.js 4.22 reads
 * as a plain global pooling, dropping `keepdims`: the average over height and width, kept as a
 * `[batch, 1, 1, channels]` map so that it multiplies the feature map it came from (MobileNetV3's
 * and ConvNeXt's squeeze-and-excitation blocks).
 */
export class GlobalAveragePooling2DKeepdims extends tf.layers.Layer {
  /** @nocollapse */
  static readonly className = GLOBAL_AVERAGE_KEEPDIMS_CLASS;

  constructor(args: GlobalAveragePooling2DKeepdimsArgs) {
    super({ name: args.name, trainable: args.trainable });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0]!, 1, 1, shape[3]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mean(Array.isArray(inputs) ? inputs[0]! : inputs, [1, 2], true));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), keepdims: true };
  }
}

tf.serialization.registerClass(GlobalAveragePooling2DKeepdims);
