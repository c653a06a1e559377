import * as tf from '@tensorflow/tfjs';
import type { LoadedModel } from '../model/load-model.js';
import { featureShapes } from '../model/optimize/feature-shapes.js';
import { pixelsToFloats } from '../model/run/pixels-to-floats.js';
import { runGraph } from '../model/run/run-graph.js';

/** Frames per forward pass while measuring statistics. */
const CALIBRATION_BATCH = 32;

/**
 * Re-estimates the moving mean and variance of every BatchNormalization layer in the encoder
 * from `frames`, in graph order (each layer sees the output of the ones before it, already
 * calibrated). With a frozen encoder this is the part of it that still learns from the data:
 * its features come out centred and scaled for the head, whatever the encoder's weights.
 */
export function calibrateBatchNorm(model: LoadedModel, frames: readonly Uint8Array[]): number {
  const { encoder } = model.split;
  const { height, width, channels } = model.split;
  const frameLength = height * width * channels;
  const shapes = featureShapes(encoder, model.split);
  let calibrated = 0;
  for (const node of encoder.nodes) {
    if (node.layer.getClassName() !== 'BatchNormalization' || frames.length === 0) continue;
    const input = node.inputs[0]!;
    const sums = tf.tidy(() => {
      let sum: tf.Tensor | undefined;
      let sumSquares: tf.Tensor | undefined;
      for (let i = 0; i < frames.length; i += CALIBRATION_BATCH) {
        const batch = frames.slice(i, i + CALIBRATION_BATCH);
        const pixels = pixelsToFloats(batch, frameLength, model.preprocessing);
        const x = runGraph(
          encoder,
          tf.tensor4d(pixels, [batch.length, height, width, channels]),
          input,
        );
        const axes = x.shape.slice(0, -1).map((_, a) => a);
        const s = x.sum(axes);
        const q = x.square().sum(axes);
        sum = sum === undefined ? s : sum.add(s);
        sumSquares = sumSquares === undefined ? q : sumSquares.add(q);
      }
      return { sum: sum!, sumSquares: sumSquares! };
    });
    // Positions per channel: the height × width of the BatchNorm's input.
    const positions = (shapes.get(input) ?? []).slice(1, -1) as number[];
    const count = frames.length * positions.reduce((a, b) => a * b, 1);
    const mean = tf.tidy(() => sums.sum.div(count));
    const variance = tf.tidy(() => sums.sumSquares.div(count).sub(mean.square()).relu());
    // [gamma?, beta?, moving mean, moving variance]: the statistics are always the last two.
    node.layer.setWeights([...node.layer.getWeights().slice(0, -2), mean, variance]);
    tf.dispose([sums.sum, sums.sumSquares, mean, variance]);
    calibrated++;
  }
  return calibrated;
}
