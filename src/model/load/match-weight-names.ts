import { ModelError } from '../../errors.js';

/** How weights converted from a Keras 3 `.keras` archive are named: `layers/dense/vars/0`. */
const KERAS_ARCHIVE_WEIGHT = /(^|\/)vars\/\d+$/;

/**
 * Maps each weight name of a model.json manifest to the name of the model weight it fills.
 *
 * Names agree exactly for models saved by TensorFlow.js. Keras writes the variable paths of
 * its own layer nesting, which TensorFlow.js' names lack in two ways:
 * - the recurrent cell between the layer and the weight (`lstm/lstm_cell/kernel` for
 *   `lstm/kernel`; also the wrapped layer of a Keras 3 TimeDistributed,
 *   `time_distributed/conv2d/kernel` for `time_distributed/kernel`);
 * - with Keras 3, outer scopes: the model's name for a Sequential model
 *   (`sequential/dense/kernel`), the sub-model's for a wrapped one (`encoder/conv2d/kernel`).
 *
 * So a manifest name matches the first model weight equal to it, or to it with leading scopes
 * dropped, each with or without its second-to-last part; a model weight is matched once.
 * @param manifestNames - Weight names in the manifest, in order.
 * @param modelNames - Names of the model's weights (`LayerVariable.originalName`).
 * @returns For each manifest name, a model weight name.
 * @throws ModelError when a manifest weight fits no model weight or a model weight gets none.
 */
export function matchWeightNames(
  manifestNames: readonly string[],
  modelNames: readonly string[],
): Map<string, string> {
  const free = new Set(modelNames);
  const matches = new Map<string, string>();
  // Exact names first, so that a loose match cannot take a weight another name fits exactly.
  for (const name of manifestNames) {
    if (free.delete(name)) matches.set(name, name);
  }
  for (const name of manifestNames) {
    if (matches.has(name)) continue;
    const match = candidates(name).find((candidate) => free.has(candidate));
    if (match === undefined && KERAS_ARCHIVE_WEIGHT.test(name)) {
      throw new ModelError(
        'FW_ERR_UNSUPPORTED_MODEL',
        `weight ${name} of model.json was converted from a .keras archive ` +
          `(--input_format keras_keras), whose weight names do not say which layer weight ` +
          `they are; save the model as .h5 and convert that (tensorflowjs_converter ` +
          `--input_format keras model.h5 <dir>)`,
      );
    }
    if (match === undefined) {
      throw new ModelError(
        'FW_ERR_MODEL_INVALID',
        `weight ${name} of model.json matches no weight of the model; its weights are ` +
          `${modelNames.join(', ')}`,
      );
    }
    free.delete(match);
    matches.set(name, match);
  }
  if (free.size > 0) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `model.json has no values for weight${free.size > 1 ? 's' : ''} ${[...free].join(', ')} ` +
        `of the model: copy every weight file the converter wrote next to model.json`,
    );
  }
  return matches;
}

/**
 * Looser forms of a Keras weight path, most specific first; a `kernel` may also be a
 * `depthwise_kernel` (Keras 3 calls DepthwiseConv2D's kernel `kernel`, TensorFlow.js
 * `depthwise_kernel`, and a DepthwiseConv2D has no other kernel).
 */
function candidates(name: string): string[] {
  const parts = name.split('/');
  const out: string[] = [];
  for (let drop = 0; drop < parts.length - 1; drop++) {
    const rest = parts.slice(drop);
    out.push(rest.join('/'));
    if (rest.length >= 3) out.push([...rest.slice(0, -2), rest[rest.length - 1]].join('/'));
  }
  return [
    ...out,
    ...out.filter((c) => c.endsWith('/kernel')).map((c) => `${c.slice(0, -6)}depthwise_kernel`),
  ];
}
