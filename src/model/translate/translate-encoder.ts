import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../errors.js';
import { FRAME, type EncoderGraph, type GraphSource } from '../load/encoder-graph.js';
import { featureShapes, type FrameShape } from '../optimize/feature-shapes.js';
import { OnnxBuilder } from './onnx-builder.js';
import { translateLayer, type OnnxValue } from './translate-layer.js';

/** Name of the translated encoder's input: frames `[batch, height, width, channels]`. */
export const ONNX_FRAMES = 'frames';

/** An encoder graph as an ONNX model, and what it takes and gives. */
export interface TranslatedEncoder {
  /** The ONNX model's protobuf bytes. */
  readonly bytes: Uint8Array;
  /** Name of its output: `[batch, embeddingSize]` floats. */
  readonly output: string;
  readonly embeddingSize: number;
}

/**
 * Translates a per-frame encoder graph (TensorFlow.js layers, channels last) into an ONNX model
 * with the same function: its input the frames as framewise hands them to the TensorFlow.js
 * encoder (channels last, preprocessed), its output one embedding per frame. ONNX's
 * convolutions and poolings work channels first, so 4-D feature maps are kept channels first
 * inside, turned back where the layout matters (Flatten, Reshape) — the embedding's order is
 * TensorFlow.js'.
 * @throws {@link ModelError} `FW_ERR_UNSUPPORTED_MODEL` naming the first layer that has no
 *   translation, and why.
 */
export function translateEncoder(graph: EncoderGraph, frame: FrameShape): TranslatedEncoder {
  const shapes = featureShapes(graph, frame);
  const builder = new OnnxBuilder();
  const frames: OnnxValue = {
    name: builder.node('Transpose', [ONNX_FRAMES], 'frames_nchw', { perm: [0, 3, 1, 2] }),
    shape: [null, frame.height, frame.width, frame.channels],
  };
  const values = new Map<GraphSource, OnnxValue>([[FRAME, frames]]);
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((input) => values.get(input)!);
    const shape = shapes.get(node);
    if (shape === undefined) throw untranslatable(node.layer, 'its output shape is unknown');
    try {
      values.set(node, { name: translateLayer(builder, node.layer, inputs, shape), shape });
    } catch (error) {
      if (error instanceof ModelError) throw error;
      throw untranslatable(node.layer, error instanceof Error ? error.message : String(error));
    }
  }
  const output = values.get(graph.output)!;
  if (output.shape.length !== 2 || typeof output.shape[1] !== 'number') {
    throw new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      `the encoder gives per-frame shape ${JSON.stringify(output.shape.slice(1))}; ONNX Runtime runs encoders that give one vector per frame`,
    );
  }
  const embeddingSize = output.shape[1];
  const bytes = builder.build(
    'framewise_encoder',
    [{ name: ONNX_FRAMES, dims: ['batch', frame.height, frame.width, frame.channels] }],
    [{ name: output.name, dims: ['batch', embeddingSize] }],
  );
  return { bytes, output: output.name, embeddingSize };
}

/** The error that names a layer ONNX Runtime cannot run as framewise translates it. */
export function untranslatable(layer: tf.layers.Layer, why: string): ModelError {
  return new ModelError(
    'FW_ERR_UNSUPPORTED_MODEL',
    `layer ${layer.name} (${layer.getClassName()}) has no ONNX translation: ${why}`,
  );
}
