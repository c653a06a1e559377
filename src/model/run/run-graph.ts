import * as tf from '@tensorflow/tfjs';
import { FRAME, type EncoderGraph, type GraphSource } from '../load/encoder-graph.js';

/**
 * Runs an encoder graph on a batch of frames (`[frames, height, width, channels]` floats) and
 * returns the output of `until` (the embedding by default). Each call's output is freed as soon
 * as the last call that reads it has run, so a deep network holds only the tensors still
 * needed, not every feature map it made; `frames` and the result are the caller's.
 */
export function runGraph(
  graph: EncoderGraph,
  frames: tf.Tensor,
  until: GraphSource = graph.output,
): tf.Tensor {
  if (until === FRAME) return frames;
  const reads = new Map<GraphSource, number>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) reads.set(input, (reads.get(input) ?? 0) + 1);
  }
  const values = new Map<GraphSource, tf.Tensor>([[FRAME, frames]]);
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((input) => values.get(input)!);
    // Each call in a tidy of its own: some layers (TensorFlow.js 4.22's ReLU with a max value)
    // leave intermediate tensors behind when called outside one.
    const output = tf.tidy(
      () =>
        node.layer.apply(inputs.length === 1 ? inputs[0]! : inputs, {
          training: false,
        }) as tf.Tensor,
    );
    values.set(node, output);
    if (node === until) break;
    for (const input of node.inputs) {
      const left = reads.get(input)! - 1;
      reads.set(input, left);
      if (left === 0 && input !== FRAME) values.get(input)!.dispose();
    }
  }
  return values.get(until)!;
}
