import type * as tf from '@tensorflow/tfjs';
import { FRAME, type EncoderGraph, type GraphSource } from '../load/encoder-graph.js';

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
 * The shape of a batch of frames as it goes through a per-frame encoder: for the frame and each
 * call of the graph, its output shape (batch dimension `null`). Undefined from a call whose
 * output shape cannot be worked out (or has several outputs), and after it.
 */
export function featureShapes(
  graph: EncoderGraph,
  frame: FrameShape,
): Map<GraphSource, tf.Shape | undefined> {
  const shapes = new Map<GraphSource, tf.Shape | undefined>([
    [FRAME, [null, frame.height, frame.width, frame.channels]],
  ]);
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((input) => shapes.get(input));
    const known = inputs.every((shape) => shape !== undefined);
    shapes.set(node, known ? outputShape(node.layer, inputs as tf.Shape[]) : undefined);
  }
  return shapes;
}

function outputShape(layer: tf.layers.Layer, inputs: tf.Shape[]): tf.Shape | undefined {
  try {
    const shape = layer.computeOutputShape(inputs.length === 1 ? inputs[0]! : inputs);
    return Array.isArray(shape[0]) ? undefined : (shape as tf.Shape);
  } catch {
    return undefined;
  }
}
