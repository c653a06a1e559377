import * as tf from '@tensorflow/tfjs';
import { featureShapes, type FrameShape } from './feature-shapes.js';

/**
 * Rewrites each channels-last `GlobalAveragePooling2D` of a per-frame encoder as an
 * `AveragePooling2D` whose window is the whole feature map, then a `Flatten`: the same average
 * (float rounding apart, about 1e-6), computed by the backend's pooling kernel instead of its
 * mean over two non-innermost axes. On the wasm backend that mean transposes the feature map
 * first, which had been half of the seed encoder's time (docs/performance.md).
 *
 * Needs the feature map's size, so it runs on encoders of a fixed frame shape; a layer whose
 * output shape cannot be worked out stops the rewrite (the rest is kept as it is). The layers
 * it makes hold no weights: there is nothing of theirs to dispose.
 */
export function poolWholeFrames(
  layers: readonly tf.layers.Layer[],
  frame: FrameShape,
): tf.layers.Layer[] {
  const shapes = featureShapes(layers, frame);
  return layers.flatMap((layer, i) => {
    const height = shapes[i]?.[1];
    const width = shapes[i]?.[2];
    if (!isGlobalAverage(layer) || typeof height !== 'number' || typeof width !== 'number') {
      return [layer];
    }
    const pool = tf.layers.averagePooling2d({
      name: `${layer.name}_window`,
      poolSize: [height, width],
      strides: [height, width],
      padding: 'valid',
      dataFormat: 'channelsLast',
    });
    return [pool, tf.layers.flatten({ name: `${layer.name}_flatten` })];
  });
}

function isGlobalAverage(layer: tf.layers.Layer): boolean {
  const config = layer.getConfig();
  return (
    layer.getClassName() === 'GlobalAveragePooling2D' &&
    config.dataFormat !== 'channelsFirst' &&
    config.keepdims !== true
  );
}
