import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../errors.js';

/** The frame itself, as the source of a call's input. */
export const FRAME = 'frame';

/** Where a call's input comes from: the output of another call, or the frame. */
export type GraphSource = GraphNode | typeof FRAME;

/** One call of a layer in the per-frame encoder. */
export interface GraphNode {
  readonly layer: tf.layers.Layer;
  /** Its inputs in the order the layer takes them: one, or several for a merge (`Add`). */
  readonly inputs: readonly GraphSource[];
}

/**
 * The per-frame encoder as the graph of layer calls it is (residual `Add`s, squeeze-and-
 * excitation `Multiply`s, `Concatenate`d branches), flattened through the nested models that
 * hold it, so that every call is one node whatever model it was written in.
 */
export interface EncoderGraph {
  /** Every call, each after the calls it takes input from. */
  readonly nodes: readonly GraphNode[];
  /** What gives the frame's embedding: the last call, or the frame for an empty encoder. */
  readonly output: GraphSource;
}

/**
 * The graph of the layers a model's leading `TimeDistributed` wrappers hold, applied one after
 * the other: each a single layer, a `Sequential` model, or a Functional model (a graph).
 */
export function encoderGraph(layers: readonly tf.layers.Layer[]): EncoderGraph {
  const nodes: GraphNode[] = [];
  let output: GraphSource = FRAME;
  for (const layer of layers) output = single(layer, expand(layer, [output], nodes));
  return { nodes, output };
}

/**
 * The calls of `layer` on `inputs`, appended to `nodes`; resolves with its outputs. A model
 * becomes the calls of its own layers.
 */
function expand(
  layer: tf.layers.Layer,
  inputs: readonly GraphSource[],
  nodes: GraphNode[],
): GraphSource[] {
  if (layer instanceof tf.Sequential) {
    let x: GraphSource[] = [...inputs];
    for (const inner of layer.layers) {
      if (inner.getClassName() !== 'InputLayer') x = [single(inner, expand(inner, x, nodes))];
    }
    return x;
  }
  if (layer instanceof tf.LayersModel) return expandFunctional(layer, inputs, nodes);
  const node: GraphNode = { layer, inputs };
  nodes.push(node);
  return [node];
}

/** A Functional model's calls, walked back from its outputs to its inputs. */
function expandFunctional(
  model: tf.LayersModel,
  inputs: readonly GraphSource[],
  nodes: GraphNode[],
): GraphSource[] {
  if (inputs.length !== model.inputLayers.length) {
    throw new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      `model ${model.name} takes ${model.inputLayers.length} inputs where the encoder gives ${inputs.length}`,
    );
  }
  const done = new Map<string, GraphSource[]>();
  const resolve = (layer: tf.layers.Layer, nodeIndex: number, tensorIndex: number): GraphSource => {
    const input = model.inputLayers.indexOf(layer);
    if (input >= 0) return inputs[input]!;
    const key = `${layer.name}#${nodeIndex}`;
    let outputs = done.get(key);
    if (outputs === undefined) {
      const call = layer.inboundNodes[nodeIndex]!;
      const callInputs = call.inboundLayers.map((inbound, i) =>
        resolve(inbound, call.nodeIndices[i]!, call.tensorIndices[i]!),
      );
      outputs = expand(layer, callInputs, nodes);
      done.set(key, outputs);
    }
    const output = outputs[tensorIndex];
    if (output === undefined) {
      throw new ModelError(
        'FW_ERR_UNSUPPORTED_MODEL',
        `layer ${layer.name} (${layer.getClassName()}) of ${model.name} gives ${outputs.length} outputs, and output ${tensorIndex} is used; framewise runs layers of one output`,
      );
    }
    return output;
  };
  return model.outputLayers.map((layer, i) =>
    resolve(layer, model.outputLayersNodeIndices[i]!, model.outputLayersTensorIndices[i]!),
  );
}

/** The one output of a layer that must give one. */
function single(layer: tf.layers.Layer, outputs: readonly GraphSource[]): GraphSource {
  if (outputs.length !== 1) {
    throw new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      `the encoder's ${layer.name} (${layer.getClassName()}) gives ${outputs.length} outputs; a per-frame encoder gives one`,
    );
  }
  return outputs[0]!;
}

/** For each call, the calls that take its output (the frame under {@link FRAME}). */
export function consumers(graph: EncoderGraph): Map<GraphSource, GraphNode[]> {
  const users = new Map<GraphSource, GraphNode[]>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) users.set(input, [...(users.get(input) ?? []), node]);
  }
  return users;
}
