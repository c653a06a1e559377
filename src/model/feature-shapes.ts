import type * as tf from '@tensorflow/tfjs';

/**
 * The shape of a batch of frames as it goes through a per-frame encoder: entry i is the input of
 * `layers[i]`, the last entry the encoder's output (batch dimension `null`). From the first
 * layer whose single output shape cannot be worked out on, entries are undefined.
 */
export function featureShapes(
  layers: readonly tf.layers.Layer[],
  frame: { readonly height: number; readonly width: number; readonly channels: number },
): (tf.Shape | undefined)[] {
  const shapes: (tf.Shape | undefined)[] = [[null, frame.height, frame.width, frame.channels]];
  for (const layer of layers) {
    const input = shapes[shapes.length - 1];
    shapes.push(input === undefined ? undefined : outputShape(layer, input));
  }
  return shapes;
}

function outputShape(layer: tf.layers.Layer, input: tf.Shape): tf.Shape | undefined {
  try {
    const shape = layer.computeOutputShape(input);
    return Array.isArray(shape[0]) ? undefined : (shape as tf.Shape);
  } catch {
    return undefined;
  }
}
