import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../errors.js';
import { checkLayerClasses } from './check-layer-classes.js';
import './global-pooling-keepdims.js';
import './keras-normalization.js';
import { matchWeightNames } from './match-weight-names.js';
import { normalizeKerasTopology } from './normalize-keras-topology.js';
import './reset-after-gru.js';
import { skipInitializers } from './skip-initializers.js';

/**
 * Builds a Layers model from loaded model.json artifacts, as written by tensorflowjs_converter
 * from Keras 2 or Keras 3 or by TensorFlow.js' `model.save()`: the topology is normalised to
 * what TensorFlow.js reads (Keras 3 JSON, GRU with `reset_after`, Keras' Normalization),
 * refused with a named layer when framewise cannot run it, deserialised, and the weights are
 * loaded under the names the model gives them (Keras' weight paths differ, see
 * {@link matchWeightNames}). Sharded weights arrive concatenated in manifest order.
 * @param where - The model's location, for messages.
 */
export async function modelFromArtifacts(
  artifacts: tf.io.ModelArtifacts,
  where: string,
): Promise<tf.LayersModel> {
  const topology = artifacts.modelTopology;
  if (typeof topology !== 'object' || topology === null || topology instanceof ArrayBuffer) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `${where} has no JSON modelTopology: expected a TensorFlow.js Layers model (written by ` +
        `tensorflowjs_converter --output_format tfjs_layers_model or model.save())`,
    );
  }
  const raw = topology as Record<string, unknown>;
  const modelConfig = normalizeKerasTopology(raw.model_config ?? raw);
  checkLayerClasses(modelConfig);
  const model = await tf.models.modelFromJSON({
    modelTopology: skipInitializers(modelConfig),
  } as Parameters<typeof tf.models.modelFromJSON>[0]);
  try {
    loadWeights(model, artifacts);
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function loadWeights(model: tf.LayersModel, artifacts: tf.io.ModelArtifacts): void {
  // A TensorFlow.js model saved with its optimizer also stores the optimizer's state.
  const specs = (artifacts.weightSpecs ?? []).filter((spec) => spec.group !== 'optimizer');
  const names = matchWeightNames(
    specs.map((spec) => spec.name),
    model.weights.map((weight) => weight.originalName),
  );
  const decoded =
    artifacts.weightData === undefined
      ? {}
      : tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs ?? []);
  try {
    const weights: tf.NamedTensorMap = {};
    for (const [manifestName, modelName] of names) weights[modelName] = decoded[manifestName]!;
    model.loadWeights(weights, true);
  } finally {
    tf.dispose(Object.values(decoded));
  }
}
