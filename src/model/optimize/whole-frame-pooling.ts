import * as tf from '@tensorflow/tfjs';
import type { EncoderGraph, GraphNode } from '../load/encoder-graph.js';
import { featureShapes, type FrameShape } from './feature-shapes.js';
import { rewriteGraph } from './rewrite-graph.js';

/**
 * Rewrites each channels-last `GlobalAveragePooling2D` call of a per-frame encoder as an
 * `AveragePooling2D` whose window is the whole feature map, then a `Flatten`: the same average
 * (float rounding apart, about 1e-6), computed by the backend's pooling kernel instead of its
 * mean over two non-innermost axes. On the wasm backend that mean transposes the feature map
 * first, which had been half of the seed encoder's time (docs/performance.md).
 *
 * Needs the feature map's size, so it runs on encoders of a fixed frame shape; a layer whose
 * output shape cannot be worked out stops the rewrite (the rest is kept as it is). The layers
 * it makes hold no weights: there is nothing of theirs to dispose.
 */
export function poolWholeFrames(graph: EncoderGraph, frame: FrameShape): EncoderGraph {
  const shapes = featureShapes(graph, frame);
  return rewriteGraph(graph, (node, inputs) => {
    const shape = shapes.get(node.inputs[0]!);
    const [height, width] = [shape?.[1], shape?.[2]];
    if (!isGlobalAverage(node.layer) || typeof height !== 'number' || typeof width !== 'number') {
      return undefined;
    }
    const pool = tf.layers.averagePooling2d({
      name: `${node.layer.name}_window`,
      poolSize: [height, width],
      strides: [height, width],
      padding: 'valid',
      dataFormat: 'channelsLast',
    });
    const pooled: GraphNode = { layer: pool, inputs };
    return [
      pooled,
      { layer: tf.layers.flatten({ name: `${node.layer.name}_flatten` }), inputs: [pooled] },
    ];
  });
}

/** A channels-last `GlobalAveragePooling2D` that gives one vector per frame (no `keepdims`). */
export function isGlobalAverage(layer: tf.layers.Layer): boolean {
  const config = layer.getConfig();
  return (
    layer.getClassName() === 'GlobalAveragePooling2D' &&
    config.dataFormat !== 'channelsFirst' &&
    config.keepdims !== true
  );
}
