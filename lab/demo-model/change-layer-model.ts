import * as tf from '@tensorflow/tfjs';
import { ModelError, UsageError } from '../../src/errors.js';
import type { LoadedModel } from '../../src/model/load-model.js';
import { buildSeedModel, type SeedModelOptions } from '../../src/train/seed-model.js';
import type { TrainingWindows } from '../../src/train/training-hooks.js';
import { changeLayerUnits, changeStatistics, setChangeLayer } from './change-layer.js';

/** Features of the seed encoder's embedding: the filters of its last convolution. */
const SEED_FEATURES = 64;

type LayerConstructor = new (config: tf.serialization.ConfigDict) => tf.layers.Layer;

/**
 * The seed architecture (see `buildSeedModel`) with a change layer between its encoder and its
 * recurrent layers: a frozen LSTM of `3F + 1` units over the encoder's F features
 * (`returnSequences`, sigmoid gates) whose weights {@link designChangeLayer} designs from the
 * training embeddings, so that the head sees each feature's change between consecutive frames
 * instead of its value. Its weights are placeholders until then. The layers after it are the
 * seed's, remade over the change layer's outputs with the same configuration (so the same
 * seeded initialisers).
 */
export function buildChangeLayerModel(options: SeedModelOptions = {}): tf.Sequential {
  // Made before the seed's layers so that, in a fresh process, layers are numbered in model
  // order (lstm_LSTM1 the change layer, lstm_LSTM2 the recurrent one): models/demo's names.
  const change = tf.layers.lstm({
    units: changeLayerUnits(SEED_FEATURES),
    returnSequences: true,
    recurrentActivation: 'sigmoid',
    trainable: false,
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
  });
  const seed = buildSeedModel(options);
  const [encoder, ...head] = seed.layers as [tf.layers.Layer, ...tf.layers.Layer[]];
  const features = (encoder.outputShape as number[])[2];
  if (features !== SEED_FEATURES) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `the change layer is made for the seed encoder's ${SEED_FEATURES} features, got ${features}`,
    );
  }
  const remade = head.map(
    (layer) => new (layer.constructor as LayerConstructor)(layer.getConfig()),
  );
  for (const layer of head) layer.dispose();
  return tf.sequential({ name: seed.name, layers: [encoder, change, ...remade] });
}

/**
 * A `TrainingHooks.prepareHead` that designs the head's first layer as a change layer (see
 * {@link setChangeLayer}) from the statistics of the training windows' embeddings
 * ({@link changeStatistics}); the layer stays frozen. The model must have been made with one
 * ({@link buildChangeLayerModel}) and train with a frozen encoder.
 */
export function designChangeLayer(model: LoadedModel, train: TrainingWindows): void {
  const first = model.split.headLayers[0];
  if (!train.embeddings || first === undefined) {
    throw new UsageError(
      'a change layer is designed from embeddings: train with a frozen encoder (frozenEncoder: true)',
    );
  }
  const features = model.split.embeddingSize;
  const units = changeLayerUnits(features);
  if (first.getClassName() !== 'LSTM' || first.getConfig().units !== units) {
    throw new UsageError(
      `a change layer is the head's first layer, which must be an LSTM of ${units} units for ${features} embedding features; ${first.name} is a ${first.getClassName()} of ${String(first.getConfig().units)} units: train a model made by buildChangeLayerModel`,
    );
  }
  const windowLength = train.window * features;
  const data = new Float32Array(train.examples.inputs.length * windowLength);
  train.examples.inputs.forEach((input, i) => data.set(input as Float32Array, i * windowLength));
  setChangeLayer(first, changeStatistics(data, train.window, features));
}
