import type * as tf from '@tensorflow/tfjs';

/** Shape of one frame as the encoder takes it. */
export interface FrameShape {
  /** Height in pixels. */
  readonly height: number;
  /** Width in pixels. */
  readonly width: number;
  /** Channels per pixel: 1 or 3. */
  readonly channels: number;
}

/**
 * The shape of a batch of frames as it goes through a per-frame encoder: entry i is the input of
 * `layers[i]`, the last entry the encoder's output (batch dimension `null`). From the first
 * layer whose single output shape cannot be worked out on, entries are undefined.
 */
export function featureShapes(
  layers: readonly tf.layers.Layer[],
  frame: FrameShape,
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
