import * as tf from '@tensorflow/tfjs';
import { changeLayerUnits } from '../../lab/demo-model/change-layer.js';

/** Shape and size of the seed architecture. */
export interface SeedModelOptions {
  /**
   * Frames per window (the input's time dimension).
   * @defaultValue 4
   */
  timeSteps?: number;
  /**
   * Frame height in pixels.
   * @defaultValue 99
   */
  height?: number;
  /**
   * Frame width in pixels.
   * @defaultValue 99
   */
  width?: number;
  /**
   * Channels per pixel.
   * @defaultValue 3
   */
  channels?: 1 | 3;
  /**
   * Recurrent layer type of the head.
   * @defaultValue 'lstm'
   */
  recurrent?: 'lstm' | 'gru' | 'simpleRNN';
  /**
   * Units of each recurrent layer; two or more entries stack them (`returnSequences`).
   * @defaultValue [32]
   */
  recurrentUnits?: readonly number[];
  /**
   * Output classes.
   * @defaultValue 2
   */
  classes?: number;
  /**
   * Cells per side of the encoder's final average pooling. 1 is the seed's
   * GlobalAveragePooling2D: an embedding of 64 whole-frame averages, blind to where in the
   * frame anything is. g > 1 pools the feature map into a g×g grid of averages instead
   * (`AveragePooling2D` then `Flatten`), a 64·g²-wide embedding that keeps the frame's coarse
   * layout.
   * @defaultValue 1
   */
  poolingGrid?: number;
  /**
   * Puts a change layer in front of the recurrent layers: a frozen LSTM of `3F + 1` units over
   * the F embedding features (`returnSequences`, sigmoid gates) whose weights `setChangeLayer`
   * designs from training statistics, so that the head sees each feature's change between
   * consecutive frames instead of its value. Its weights are placeholders until then.
   * @defaultValue false
   */
  changeLayer?: boolean;
  /**
   * Seed of the weight initialisers, for reproducible models.
   * @defaultValue 1
   */
  seed?: number;
}

/** Filters of the seed encoder's last convolution: the features each pooling cell averages. */
const ENCODER_FEATURES = 64;
/** Side of the seed encoder's first convolution kernel, and its stride. */
const FIRST_KERNEL = 3;
const FIRST_STRIDE = 2;

/**
 * Builds the classic Keras video classifier framewise is made for:
 * `TimeDistributed(Conv2D 6@3×3 stride 2 relu → BatchNorm → Conv2D 64@1×1 relu → BatchNorm →
 * GlobalAveragePooling2D) → LSTM(32) → Dense(classes, softmax)`, input 4×99×99×3 by default
 * (`poolingGrid` > 1 swaps the global pooling for a grid of averages).
 */
export function buildSeedModel(options: SeedModelOptions = {}): tf.Sequential {
  const {
    timeSteps = 4,
    height = 99,
    width = 99,
    channels = 3,
    recurrent = 'lstm',
    recurrentUnits = [32],
    classes = 2,
    poolingGrid = 1,
    changeLayer = false,
    seed = 1,
  } = options;
  if (!Number.isInteger(poolingGrid) || poolingGrid < 1) {
    throw new RangeError(`poolingGrid must be an integer >= 1, got ${poolingGrid}`);
  }
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed + offset });
  const encoder = tf.sequential({
    name: 'encoder',
    layers: [
      tf.layers.conv2d({
        inputShape: [height, width, channels],
        filters: 6,
        kernelSize: FIRST_KERNEL,
        strides: FIRST_STRIDE,
        activation: 'relu',
        kernelInitializer: init(0),
      }),
      tf.layers.batchNormalization(),
      tf.layers.conv2d({
        filters: ENCODER_FEATURES,
        kernelSize: 1,
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tf.layers.batchNormalization(),
      ...pooling(poolingGrid, height, width),
    ],
  });
  const model = tf.sequential({ name: 'video_classifier' });
  model.add(
    tf.layers.timeDistributed({ layer: encoder, inputShape: [timeSteps, height, width, channels] }),
  );
  if (changeLayer) {
    model.add(
      tf.layers.lstm({
        units: changeLayerUnits(ENCODER_FEATURES * poolingGrid * poolingGrid),
        returnSequences: true,
        recurrentActivation: 'sigmoid',
        trainable: false,
        kernelInitializer: 'zeros',
        recurrentInitializer: 'zeros',
      }),
    );
  }
  recurrentUnits.forEach((units, i) => {
    const config = {
      units,
      returnSequences: i < recurrentUnits.length - 1,
      kernelInitializer: init(10 + i),
      recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 20 + i, gain: 1 }),
    };
    model.add(recurrentLayer(recurrent, config));
  });
  model.add(
    tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: init(30) }),
  );
  return model;
}

/**
 * The encoder's last layers: whole-frame averages, or averages over a grid of equal cells
 * (`valid` pooling: a remainder row or column of the feature map is left out).
 */
function pooling(grid: number, height: number, width: number): tf.layers.Layer[] {
  if (grid === 1) return [tf.layers.globalAveragePooling2d({})];
  const side = (pixels: number) => Math.floor((pixels - FIRST_KERNEL) / FIRST_STRIDE) + 1;
  const cell: [number, number] = [Math.floor(side(height) / grid), Math.floor(side(width) / grid)];
  if (cell[0] < 1 || cell[1] < 1) {
    throw new RangeError(
      `poolingGrid must be at most the encoder's feature map side (${Math.min(side(height), side(width))}), got ${grid}`,
    );
  }
  return [tf.layers.averagePooling2d({ poolSize: cell, strides: cell }), tf.layers.flatten()];
}

function recurrentLayer(
  kind: 'lstm' | 'gru' | 'simpleRNN',
  config: Parameters<typeof tf.layers.lstm>[0],
): tf.layers.Layer {
  switch (kind) {
    case 'lstm':
      return tf.layers.lstm(config);
    case 'gru':
      return tf.layers.gru(config);
    case 'simpleRNN':
      return tf.layers.simpleRNN(config);
  }
}
