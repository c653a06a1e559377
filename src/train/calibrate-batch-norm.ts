import * as tf from '@tensorflow/tfjs';
import type { LoadedModel } from '../model/load-model.js';
import { pixelsToFloats } from '../model/run/pixels-to-floats.js';

/** Frames per forward pass while measuring statistics. */
const CALIBRATION_BATCH = 32;

/**
 * Re-estimates the moving mean and variance of every BatchNormalization layer in the encoder
 * from `frames`, in order (each layer sees the output of the ones before it, already
 * calibrated). With a frozen encoder this is the part of it that still learns from the data:
 * its features come out centred and scaled for the head, whatever the encoder's weights.
 */
export function calibrateBatchNorm(model: LoadedModel, frames: readonly Uint8Array[]): number {
  const layers = model.split.encoderLayers.flatMap(flatten);
  const { height, width, channels } = model.split;
  const frameLength = height * width * channels;
  let calibrated = 0;
  layers.forEach((layer, index) => {
    if (layer.getClassName() !== 'BatchNormalization' || frames.length === 0) return;
    const sums = tf.tidy(() => {
      let sum: tf.Tensor | undefined;
      let sumSquares: tf.Tensor | undefined;
      for (let i = 0; i < frames.length; i += CALIBRATION_BATCH) {
        const batch = frames.slice(i, i + CALIBRATION_BATCH);
        let x: tf.Tensor = tf.tensor4d(pixelsToFloats(batch, frameLength, model.preprocessing), [
          batch.length,
          height,
          width,
          channels,
        ]);
        for (const before of layers.slice(0, index))
          x = before.apply(x, { training: false }) as tf.Tensor;
        const axes = x.shape.slice(0, -1).map((_, a) => a);
        const s = x.sum(axes);
        const q = x.square().sum(axes);
        sum = sum === undefined ? s : sum.add(s);
        sumSquares = sumSquares === undefined ? q : sumSquares.add(q);
      }
      return { sum: sum!, sumSquares: sumSquares! };
    });
    const count = frames.length * (sums.sum.size === 0 ? 1 : countPerChannel(layers, index, model));
    const mean = tf.tidy(() => sums.sum.div(count));
    const variance = tf.tidy(() => sums.sumSquares.div(count).sub(mean.square()).relu());
    // [gamma?, beta?, moving mean, moving variance]: the statistics are always the last two.
    layer.setWeights([...layer.getWeights().slice(0, -2), mean, variance]);
    tf.dispose([sums.sum, sums.sumSquares, mean, variance]);
    calibrated++;
  });
  return calibrated;
}

/** Positions per channel at the input of layer `index` (height × width of its feature map). */
function countPerChannel(
  layers: readonly tf.layers.Layer[],
  index: number,
  model: LoadedModel,
): number {
  const shape = tf.tidy(() => {
    let x: tf.Tensor = tf.zeros([1, model.split.height, model.split.width, model.split.channels]);
    for (const layer of layers.slice(0, index))
      x = layer.apply(x, { training: false }) as tf.Tensor;
    return x.shape;
  });
  return shape.slice(1, -1).reduce((a, b) => a * b, 1);
}

/** A nested model's layers, in order; a plain layer as itself. */
function flatten(layer: tf.layers.Layer): tf.layers.Layer[] {
  const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
  return inner === undefined
    ? [layer]
    : inner.filter((l) => l.getClassName() !== 'InputLayer').flatMap(flatten);
}
