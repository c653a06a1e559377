import type { EncoderGraph, GraphNode, GraphSource } from '../load/encoder-graph.js';

/**
 * What a rewrite does with one call, given its inputs as rewritten so far: undefined keeps it
 * as it is; a list of calls replaces it (the last gives its output, each after its inputs); a
 * source alone removes it, its readers reading that source instead.
 */
export type NodeRewrite = (
  node: GraphNode,
  inputs: readonly GraphSource[],
) => readonly GraphNode[] | GraphSource | undefined;

/**
 * A new graph with each call rewritten by `rewrite`, in order; calls that keep their layer and
 * inputs are the same objects. The graph given is not changed.
 */
export function rewriteGraph(graph: EncoderGraph, rewrite: NodeRewrite): EncoderGraph {
  const renamed = new Map<GraphSource, GraphSource>();
  const source = (s: GraphSource) => renamed.get(s) ?? s;
  const nodes: GraphNode[] = [];
  for (const node of graph.nodes) {
    const inputs = node.inputs.map(source);
    const result = rewrite(node, inputs);
    if (Array.isArray(result)) {
      const replacement = result as readonly GraphNode[];
      nodes.push(...replacement);
      renamed.set(node, replacement[replacement.length - 1]!);
    } else if (result !== undefined) {
      renamed.set(node, result as GraphSource);
    } else if (inputs.every((input, i) => input === node.inputs[i])) {
      nodes.push(node);
    } else {
      const moved: GraphNode = { layer: node.layer, inputs };
      nodes.push(moved);
      renamed.set(node, moved);
    }
  }
  return { nodes, output: source(graph.output) };
}
