import * as tf from '@tensorflow/tfjs';

/**
 * A Keras application's `preprocess_input` as framewise.json's `input` gives it: a preset
 * (`tf`: x / 127.5 − 1; `caffe`: BGR minus the ImageNet means) or a plain scale and offset.
 */
export type BackbonePreprocessing =
  { readonly preset: 'tf' | 'caffe' } | { readonly scale: number; readonly offset: number };

/** ImageNet's BGR channel means of 0–255 pixels, which `caffe` preprocessing subtracts. */
const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68];

/** Raw 0–255 RGB pixels as a backbone's model takes them, after its `preprocess_input`. */
export function preprocessInput(
  pixels: tf.Tensor,
  preprocessing: BackbonePreprocessing,
): tf.Tensor {
  return tf.tidy(() => {
    if (!('preset' in preprocessing)) {
      return pixels.mul(preprocessing.scale).add(preprocessing.offset);
    }
    if (preprocessing.preset === 'tf') return pixels.div(127.5).sub(1);
    return tf.reverse(pixels, -1).sub(tf.tensor1d(CAFFE_MEAN_BGR));
  });
}
