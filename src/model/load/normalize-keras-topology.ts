import { ModelError } from '../../errors.js';
import { GLOBAL_AVERAGE_KEEPDIMS_CLASS } from './global-pooling-keepdims.js';
import { RESET_AFTER_GRU_CLASS } from './reset-after-gru.js';

/** Keys Keras 3 adds to every serialized object that TensorFlow.js does not read. */
const KERAS3_OBJECT_KEYS = new Set([
  'module',
  'registered_name',
  'build_config',
  'compile_config',
  'shared_object_id',
]);
/** Keras 3 marks a symbolic tensor inside a node's call arguments with this class name. */
const KERAS_TENSOR = '__keras_tensor__';

/** Keras activation names TensorFlow.js knows under another name (Keras 3 writes swish as silu). */
const ACTIVATION_NAMES: Readonly<Record<string, string>> = { silu: 'swish' };

type JsonObject = { [key: string]: unknown };

/**
 * Rewrites a Keras model topology (`modelTopology` of a model.json, or its `model_config`) into
 * the form TensorFlow.js 4 deserialises. TensorFlow.js topologies come out unchanged, Keras 2
 * ones nearly so; Keras 3 ones are translated:
 * - `module`, `registered_name`, `build_config`… keys are dropped (Keras 2.13+ writes the
 *   first two on nested objects too);
 * - dtype policies (`{"class_name": "DTypePolicy", "config": {"name": "float32"}}`) become the
 *   dtype name (mixed-precision policies become `float32`: the weights are stored as float32);
 * - `InputLayer`'s `batch_shape` becomes `batch_input_shape`;
 * - call nodes (`{"args": [{"class_name": "__keras_tensor__", … "keras_history": [layer, node,
 *   tensor]}], "kwargs": {}}`) become `[[layer, node, tensor, {}]]`;
 * - a single model input or output written as `["name", 0, 0]` becomes `[["name", 0, 0]]`;
 * - a Bidirectional layer's `layer` (its forward copy, named `forward_<name>`) and
 *   `backward_layer` become the one `layer` TensorFlow.js mirrors itself, named `<name>`.
 *
 * GRU layers with `reset_after: true` (Keras' default, which TensorFlow.js refuses) are renamed
 * to framewise's {@link RESET_AFTER_GRU_CLASS}, `GlobalAveragePooling2D` with `keepdims` to
 * {@link GLOBAL_AVERAGE_KEEPDIMS_CLASS}, the `silu` activation to its TensorFlow.js name
 * `swish`; a ReLU with a negative slope or a threshold is refused. The input is not modified.
 */
export function normalizeKerasTopology(topology: unknown): unknown {
  return normalizeValue(topology, undefined);
}

function normalizeValue(value: unknown, key: string | undefined): unknown {
  if (key === 'activation' && typeof value === 'string') return ACTIVATION_NAMES[value] ?? value;
  if (Array.isArray(value)) return value.map((item) => normalizeValue(item, undefined));
  if (!isObject(value)) return value;
  if (key === 'dtype' && typeof value.class_name === 'string') return policyDtype(value);
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof value.class_name === 'string' && KERAS3_OBJECT_KEYS.has(k)) continue;
    if (k === 'inbound_nodes' && Array.isArray(v)) out[k] = v.map(convertNode);
    else if ((k === 'input_layers' || k === 'output_layers') && v !== null) out[k] = tensorList(v);
    else out[k] = normalizeValue(v, k);
  }
  return rewriteLayer(out);
}

/** Per-class rewrites of one serialized object, its children already normalised. */
function rewriteLayer(object: JsonObject): JsonObject {
  const config = object.config;
  if (!isObject(config)) return object;
  if (object.class_name === 'InputLayer' && 'batch_shape' in config) {
    const { batch_shape, ...rest } = config;
    return {
      ...object,
      config: { ...rest, batch_input_shape: rest.batch_input_shape ?? batch_shape },
    };
  }
  if (object.class_name === 'Bidirectional' && isObject(config.backward_layer)) {
    return singleBidirectionalLayer(object, config);
  }
  if (object.class_name === 'GRU' && config.reset_after === true) {
    return { ...object, class_name: RESET_AFTER_GRU_CLASS };
  }
  if (object.class_name === 'GlobalAveragePooling2D' && config.keepdims === true) {
    return { ...object, class_name: GLOBAL_AVERAGE_KEEPDIMS_CLASS };
  }
  if (object.class_name === 'ReLU') checkReLU(config);
  return object;
}

/**
 * TensorFlow.js' ReLU has a `max_value` only: a Keras ReLU with a negative slope or a threshold
 * would run as a plain one, silently wrong, so it is refused.
 */
function checkReLU(config: JsonObject): void {
  for (const key of ['negative_slope', 'threshold']) {
    const value = config[key];
    if (value === undefined || value === null || value === 0) continue;
    throw new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      `ReLU layer ${String(config.name)} has ${key} ${JSON.stringify(value)}, which TensorFlow.js ` +
        `does not implement; framewise runs ReLU with max_value only (negative_slope and ` +
        `threshold 0)`,
    );
  }
}

/**
 * Keras 3 writes both directions of a Bidirectional layer; TensorFlow.js builds the backward
 * one from the forward one, so that one must be the forward layer run backwards.
 */
function singleBidirectionalLayer(object: JsonObject, config: JsonObject): JsonObject {
  const { backward_layer: backward, layer: forward, ...rest } = config;
  const name = typeof config.name === 'string' ? config.name : 'bidirectional';
  if (!isObject(forward) || !isObject(forward.config) || !isObject(backward)) return object;
  const mirror = (layer: JsonObject) => {
    const { name: _name, go_backwards: _backwards, ...settings } = layer.config as JsonObject;
    return canonicalJson({ class_name: layer.class_name, settings });
  };
  if (mirror(forward) !== mirror(backward)) {
    throw new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      `Bidirectional layer ${name} has a backward layer unlike its forward one; framewise ` +
        `supports Bidirectional layers that run one recurrent layer both ways`,
    );
  }
  const forwardName = String(forward.config.name ?? '').replace(/^forward_/, '');
  return {
    ...object,
    config: { ...rest, layer: { ...forward, config: { ...forward.config, name: forwardName } } },
  };
}

/** JSON with object keys sorted, to compare configs whatever order their keys came in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (!isObject(value)) return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

function policyDtype(policy: JsonObject): string {
  const config = policy.config;
  const name = isObject(config) && typeof config.name === 'string' ? config.name : 'float32';
  // A mixed policy computes in float16 but keeps its variables, hence the saved weights, in
  // float32; TensorFlow.js has no float16 layers, and float32 is the closer of the two.
  return name.startsWith('mixed_') ? 'float32' : name;
}

/** A Keras 3 call node to the Keras 2 form `[[layer, node, tensor, kwargs], …]`. */
function convertNode(node: unknown): unknown {
  if (!isObject(node) || !('args' in node)) return normalizeValue(node, undefined);
  const inputs = kerasTensors(node.args).map((history) => [...history, {}]);
  const tensorKwargs = Object.entries(isObject(node.kwargs) ? node.kwargs : {}).filter(
    ([, v]) => kerasTensors(v).length > 0,
  );
  if (tensorKwargs.length > 0) {
    const [layer] = kerasTensors(tensorKwargs[0]![1])[0]!;
    throw new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      `a layer takes the output of ${String(layer)} as its ${tensorKwargs[0]![0]} argument; ` +
        `framewise supports a single chain of layers, each taking the previous one's output`,
    );
  }
  return inputs;
}

/** The `keras_history` of every Keras tensor in `value`, in order. */
function kerasTensors(value: unknown): unknown[][] {
  if (Array.isArray(value)) return value.flatMap(kerasTensors);
  if (!isObject(value)) return [];
  if (value.class_name === KERAS_TENSOR && isObject(value.config)) {
    const history = value.config.keras_history;
    return Array.isArray(history) ? [history] : [];
  }
  return Object.values(value).flatMap(kerasTensors);
}

/** Model inputs or outputs as a list of `[layer, node, tensor]`, whatever Keras wrote. */
function tensorList(value: unknown): unknown {
  if (Array.isArray(value) && typeof value[0] === 'string') return [value];
  if (isObject(value)) return Object.values(value).map(tensorList).flat();
  return value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
