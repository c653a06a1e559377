import * as tf from '@tensorflow/tfjs';
import type { LoadedModel } from '../../src/model/load-model.js';

/**
 * The references framewise's labels are checked against for a Keras model: TensorFlow.js
 * running the model as loaded (not rewritten for inference), on frames of exactly the model's
 * size (RGB, as `decodeReference` gives them).
 */

/** Frames as the model's input `[1, n, H, W, C]`, preprocessed as framewise.json says. */
export function clip(loaded: LoadedModel, frames: readonly Uint8Array[]): tf.Tensor {
  const { height, width, channels } = loaded.split;
  const { scale, offset, mean, std } = loaded.preprocessing;
  return tf.tidy(() => {
    const pixels = frames.map((f) => tf.tensor3d(f, [height, width, channels], 'int32'));
    let x = tf.stack(pixels).toFloat().mul(scale).add(offset);
    if (mean !== undefined) x = x.sub(tf.tensor1d([...mean]));
    if (std !== undefined) x = x.div(tf.tensor1d([...std]));
    return x.expandDims(0);
  });
}

/** The whole model's `predict()` on one window: the reference of window mode. */
export function predictWindow(loaded: LoadedModel, frames: readonly Uint8Array[]): Float32Array {
  return tf.tidy(
    () => (loaded.model.predict(clip(loaded, frames)) as tf.Tensor).dataSync() as Float32Array,
  );
}

/** Each frame's embedding `[n, D]`: the TimeDistributed layers' inner layers, on each frame. */
export function embed(loaded: LoadedModel, frames: readonly Uint8Array[]): tf.Tensor {
  return tf.tidy(() => {
    let x = clip(loaded, frames).squeeze([0]);
    for (const wrapper of timeDistributed(loaded)) {
      x = (wrapper as unknown as { layer: tf.layers.Layer }).layer.apply(x) as tf.Tensor;
    }
    return x;
  });
}

/**
 * The reference of stateful mode: the model's layers after its TimeDistributed ones over the
 * whole sequence seen so far, in one call.
 */
export function sequenceScores(loaded: LoadedModel, frames: readonly Uint8Array[]): Float32Array {
  return tf.tidy(() => headScores(loaded, embed(loaded, frames)));
}

/** {@link sequenceScores} from the frames' embeddings `[n, D]` (see {@link embed}). */
export function headScores(loaded: LoadedModel, embeddings: tf.Tensor): Float32Array {
  return tf.tidy(() => {
    const layers = loaded.model.layers.filter((l) => l.getClassName() !== 'InputLayer');
    let x = embeddings.expandDims(0);
    for (const layer of layers.slice(timeDistributed(loaded).length)) {
      x = layer.apply(x, { training: false }) as tf.Tensor;
    }
    return x.dataSync() as Float32Array;
  });
}

function timeDistributed(loaded: LoadedModel): tf.layers.Layer[] {
  return loaded.model.layers.filter((l) => l.getClassName() === 'TimeDistributed');
}
