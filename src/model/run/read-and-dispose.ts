import type * as tf from '@tensorflow/tfjs';

/**
 * The values of a tensor that `tf.tidy` returned, then the tensor freed. Returning the values
 * from inside `tidy` instead makes it walk the typed array element by element, looking for
 * tensors, a visible share of the main thread in a profile (docs/performance.md).
 */
export function readAndDispose(tensor: tf.Tensor): Float32Array {
  try {
    return tensor.dataSync() as Float32Array;
  } finally {
    tensor.dispose();
  }
}
