import type * as tf from '@tensorflow/tfjs';

/** Stands in for every initializer of a model whose weights are loaded anyway. */
const ZEROS = { class_name: 'Zeros', config: {} };

/**
 * Wraps a model loader so that every weight initializer in the topology becomes `Zeros`. A
 * loaded model's weights overwrite whatever the initializers made, and TensorFlow.js' Orthogonal
 * initializer (Keras' default for recurrent kernels) otherwise runs a QR decomposition and
 * prints a warning on every load.
 */
export function skipInitializers(handler: tf.io.IOHandler): tf.io.IOHandler {
  const load = handler.load?.bind(handler);
  if (load === undefined) return handler;
  return {
    ...handler,
    load: async () => {
      const artifacts = await load();
      return { ...artifacts, modelTopology: replaceInitializers(artifacts.modelTopology) };
    },
  };
}

function replaceInitializers<T>(node: T): T {
  if (Array.isArray(node)) return node.map(replaceInitializers) as T;
  if (typeof node !== 'object' || node === null || node instanceof ArrayBuffer) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key.endsWith('_initializer') && value !== null ? ZEROS : replaceInitializers(value);
  }
  return out as T;
}
