import * as tf from '@tensorflow/tfjs';

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
   * Seed of the weight initialisers, for reproducible models.
   * @defaultValue 1
   */
  seed?: number;
}

/**
 * Builds the classic Keras video classifier framewise is made for:
 * `TimeDistributed(Conv2D 6@3×3 stride 2 relu → BatchNorm → Conv2D 64@1×1 relu → BatchNorm →
 * GlobalAveragePooling2D) → LSTM(32) → Dense(classes, softmax)`, input 4×99×99×3 by default.
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
    seed = 1,
  } = options;
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed + offset });
  const encoder = tf.sequential({
    name: 'encoder',
    layers: [
      tf.layers.conv2d({
        inputShape: [height, width, channels],
        filters: 6,
        kernelSize: 3,
        strides: 2,
        activation: 'relu',
        kernelInitializer: init(0),
      }),
      tf.layers.batchNormalization(),
      tf.layers.conv2d({
        filters: 64,
        kernelSize: 1,
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tf.layers.batchNormalization(),
      tf.layers.globalAveragePooling2d({}),
    ],
  });
  const model = tf.sequential({ name: 'video_classifier' });
  model.add(
    tf.layers.timeDistributed({ layer: encoder, inputShape: [timeSteps, height, width, channels] }),
  );
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
