import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../errors.js';
import { SUPPORTED_MODELS } from './split-model.js';

/** Layers that mix information across time steps by attention. */
const ATTENTION = new Set([
  'Attention',
  'AdditiveAttention',
  'MultiHeadAttention',
  'GroupedQueryAttention',
  'GroupQueryAttention',
]);
/** Recurrent layers whose steps are convolutions over whole frames. */
const CONVOLUTIONAL_RECURRENT = new Set(['ConvLSTM1D', 'ConvLSTM2D', 'ConvLSTM3D', 'ConvRNN2D']);

/**
 * Refuses, before TensorFlow.js sees it, a topology (normalised by `normalizeKerasTopology`)
 * holding a layer framewise cannot run: attention over time, convolutional recurrent layers,
 * or any layer class TensorFlow.js (with framewise's additions) does not implement. The
 * message names the layer and says what framewise supports; TensorFlow.js' own error would
 * only name the class.
 */
export function checkLayerClasses(topology: unknown): void {
  const known = tf.serialization.SerializationMap.getMap().classNameMap;
  for (const { name, className, activation } of layersIn(topology)) {
    const layer = `${name} (${className})`;
    if (ATTENTION.has(className)) {
      throw refuse(`layer ${layer} attends across time steps`);
    }
    if (CONVOLUTIONAL_RECURRENT.has(className)) {
      throw refuse(`layer ${layer} is a convolutional recurrent layer`);
    }
    if (!(className in known)) {
      throw refuse(`layer ${layer} is not a layer TensorFlow.js implements`);
    }
    if (activation !== undefined && !knownActivation(activation)) {
      throw refuse(
        `layer ${layer} uses the activation ${activation}, which TensorFlow.js does not implement`,
      );
    }
  }
}

/**
 * Whether TensorFlow.js has an activation of this name; it reads Keras' snake case as camel
 * case (`hard_sigmoid` is `hardSigmoid`).
 */
function knownActivation(name: string): boolean {
  const camel = name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
  try {
    tf.layers.activation({ activation: camel as never });
    return true;
  } catch {
    return false;
  }
}

/** Every serialized layer in the topology, nested ones (wrapped, in sub-models) included. */
function* layersIn(
  value: unknown,
): Generator<{ name: string; className: string; activation: string | undefined }> {
  if (Array.isArray(value)) {
    for (const item of value) yield* layersIn(item);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Record<string, unknown>;
  const config = object.config as Record<string, unknown> | undefined;
  // Initializers, regularizers and constraints are serialized objects too, but have no name.
  if (typeof object.class_name === 'string' && typeof config?.name === 'string') {
    const activation = typeof config.activation === 'string' ? config.activation : undefined;
    yield { name: config.name, className: object.class_name, activation };
  }
  for (const child of Object.values(object)) yield* layersIn(child);
}

function refuse(what: string): ModelError {
  return new ModelError(
    'FW_ERR_UNSUPPORTED_MODEL',
    `${what}; framewise supports ${SUPPORTED_MODELS}`,
  );
}
