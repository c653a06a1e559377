import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from '../../../src/train/seeded-random.js';
import { GraphBuilder, type KernelInitializer } from './graph-builder.js';
import { preprocessInput, type BackbonePreprocessing } from './preprocess-input.js';

/** Shape of the video classifier around a backbone. */
export interface BackboneClassifierOptions {
  /**
   * Frames per clip (the input's time dimension).
   * @defaultValue 4
   */
  timeSteps?: number;
  /**
   * Frame height in pixels.
   * @defaultValue 64 (96 for InceptionV3, whose stem needs at least 75)
   */
  height?: number;
  /**
   * Frame width in pixels.
   * @defaultValue `height`
   */
  width?: number;
  /**
   * Units of the LSTM head.
   * @defaultValue 8
   */
  lstmUnits?: number;
  /**
   * Output classes.
   * @defaultValue 2
   */
  classes?: number;
  /**
   * Seed of every weight and BatchNorm statistic: the same seed builds the same model on the
   * same backend. The BatchNorm statistics are measured and the LSTM's orthogonal kernel comes
   * out of a QR decomposition, both on the backend: cpu and wasm differ in their last bits.
   * @defaultValue 1
   */
  seed?: number;
}

/** Options of the backbones Keras has no width multiplier for (ResNet50, InceptionV3). */
export interface ScaledBackboneOptions extends BackboneClassifierOptions {
  /**
   * Multiplier of every convolution's filter count (Keras' network has 1).
   * @defaultValue 0.25
   */
  filterScale?: number;
}

/** What a backbone brings to its classifier besides its layers. */
export interface BackboneSpec {
  /** Frame side in pixels when the options give no `height`. */
  readonly defaultSize: number;
  /** Its Keras application's `preprocess_input`, which the calibration frames go through. */
  readonly preprocessing: BackbonePreprocessing;
  /** Initialiser of its convolution kernels. */
  readonly kernels: KernelInitializer;
}

/** A backbone's layers after its input, and the name Keras gives the whole. */
export interface BackboneBody {
  output: tf.SymbolicTensor;
  name: string;
  /** Name of the final average pooling; Keras leaves MobileNetV2's unnamed. */
  poolingName?: string;
}

/** Clips whose frames set the BatchNorm statistics. */
const CALIBRATION_CLIPS = 1;

/**
 * Wraps a backbone into `TimeDistributed(backbone) → LSTM → Dense(softmax)`, after setting its
 * BatchNorm layers ({@link calibrateBatchNorm}). `body` adds the backbone's layers after its
 * input, every weight seeded by the builder it is given.
 */
export function backboneClassifier(
  options: BackboneClassifierOptions,
  spec: BackboneSpec,
  body: (input: tf.SymbolicTensor, builder: GraphBuilder) => BackboneBody,
): tf.Sequential {
  const { timeSteps = 4, height = spec.defaultSize, lstmUnits = 8, classes = 2 } = options;
  const { width = height, seed = 1 } = options;
  const builder = new GraphBuilder(seed, spec.kernels);
  const input = tf.input({ shape: [height, width, 3], name: 'input_layer' });
  const { output, name, poolingName = 'global_average_pooling2d' } = body(input, builder);
  const pooled = builder.layer(output, tf.layers.globalAveragePooling2d, { name: poolingName });
  const backbone = tf.model({ inputs: input, outputs: pooled, name });
  calibrateBatchNorm(backbone, spec.preprocessing, timeSteps, seed);
  const inputShape = [timeSteps, height, width, 3];
  const model = tf.sequential({ name: 'sequential' });
  model.add(tf.layers.timeDistributed({ layer: backbone, inputShape, name: 'time_distributed' }));
  model.add(
    tf.layers.lstm({
      units: lstmUnits,
      kernelInitializer: builder.glorot(),
      recurrentInitializer: tf.initializers.orthogonal({ seed: builder.nextSeed(), gain: 1 }),
      biasInitializer: builder.bias(),
      name: 'lstm',
    }),
  );
  model.add(
    tf.layers.dense({
      units: classes,
      activation: 'softmax',
      kernelInitializer: builder.glorot(),
      biasInitializer: builder.bias(),
      name: 'dense',
    }),
  );
  return model;
}

/**
 * Gives every BatchNormalization layer of `backbone` its input's statistics on seeded clips
 * (each layer sees those before it already set), perturbed by seeded gamma, beta, mean shift
 * and variance factor. Random weights grow or shrink activations layer after layer; a
 * BatchNorm that does not roughly normalise lets them vanish or saturate the head.
 */
function calibrateBatchNorm(
  backbone: tf.LayersModel,
  preprocessing: BackbonePreprocessing,
  timeSteps: number,
  seed: number,
): void {
  const [, height, width] = backbone.inputs[0]!.shape as number[];
  const frames = tf.tidy(() => {
    const shape = { timeSteps, height: height!, width: width! };
    const clips = randomClips(CALIBRATION_CLIPS, shape, seed);
    return preprocessInput(clips, preprocessing).reshape([-1, height!, width!, 3]);
  });
  const random = new SeededRandom(seed);
  // The backbone's layers are in topological order: each one's inputs are already computed.
  const values = new Map<number, tf.Tensor>([[backbone.inputs[0]!.id, frames]]);
  for (const layer of backbone.layers.slice(1)) {
    const inputs = [layer.input].flat().map((symbolic) => values.get(symbolic.id)!);
    if (layer.getClassName() === 'BatchNormalization') setBatchNorm(layer, inputs[0]!, random);
    // tidy: TF.js' ReLU with a maxValue leaves its unclipped intermediate behind otherwise.
    const output = tf.tidy(
      () =>
        layer.apply(inputs.length === 1 ? inputs[0]! : inputs, { training: false }) as tf.Tensor,
    );
    values.set((layer.output as tf.SymbolicTensor).id, output);
  }
  tf.dispose([...values.values()]);
}

function setBatchNorm(layer: tf.layers.Layer, input: tf.Tensor, random: SeededRandom): void {
  const axes = input.shape.slice(0, -1).map((_, axis) => axis);
  const moments = tf.moments(input, axes);
  const means = moments.mean.dataSync();
  const variances = moments.variance.dataSync();
  tf.dispose([moments.mean, moments.variance]);
  const perChannel = (value: (c: number) => number) =>
    tf.tensor1d(Array.from(means, (_, c) => value(c)));
  const std = (c: number) => Math.sqrt(variances[c]!);
  const stats = new Map([
    ['gamma', perChannel(() => random.between(0.5, 1.5))],
    ['beta', perChannel(() => random.between(-0.25, 0.25))],
    ['moving_mean', perChannel((c) => means[c]! + random.between(-0.25, 0.25) * std(c))],
    [
      'moving_variance',
      perChannel((c) => Math.max(variances[c]!, 1e-3) * random.between(0.6, 1.6)),
    ],
  ]);
  // InceptionV3's BatchNorms (scale=False) have no gamma.
  layer.setWeights(layer.weights.map((w) => stats.get(w.originalName.split('/').pop()!)!));
  tf.dispose([...stats.values()]);
}

/**
 * `clips` seeded clips of raw RGB pixels, `[clips, timeSteps, height, width, 3]` floats holding
 * integers 0–255: smooth colour fields with grain, a new one each frame, so that clips differ
 * in what a global average pooling keeps (uniform noise would not).
 */
export function randomClips(
  clips: number,
  shape: { timeSteps: number; height: number; width: number },
  seed: number,
): tf.Tensor5D {
  const { timeSteps, height, width } = shape;
  return tf.tidy(() => {
    const frames = clips * timeSteps;
    const coarse = tf.randomUniform([frames, 3, 3, 3], 0, 255, 'float32', seed) as tf.Tensor4D;
    const fields = tf.image.resizeBilinear(coarse, [height, width], true);
    const grain = tf.randomUniform([frames, height, width, 3], -24, 24, 'float32', seed + 1);
    const pixels = fields.add(grain).clipByValue(0, 255).round();
    return pixels.reshape([clips, timeSteps, height, width, 3]) as tf.Tensor5D;
  });
}
