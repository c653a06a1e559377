/** Stands in for every initializer of a model whose weights are loaded anyway. */
const ZEROS = { class_name: 'Zeros', config: {} };

/**
 * Returns the topology with every weight initializer replaced by `Zeros`. A loaded model's
 * weights overwrite whatever the initializers made, and TensorFlow.js' Orthogonal initializer
 * (Keras' default for recurrent kernels) otherwise runs a QR decomposition and prints a warning
 * on every load. The input is not modified.
 */
export function skipInitializers<T>(node: T): T {
  if (Array.isArray(node)) return node.map(skipInitializers) as T;
  if (typeof node !== 'object' || node === null || node instanceof ArrayBuffer) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key.endsWith('_initializer') && value !== null ? ZEROS : skipInitializers(value);
  }
  return out as T;
}
