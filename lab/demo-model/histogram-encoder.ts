import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../src/errors.js';

/** Channels of the seed encoder's first convolution: one per local measurement below. */
const MEASUREMENTS = 6;
/** Side of the first convolution's kernel. */
const KERNEL = 3;
/** Colour channels of the input. */
const COLOURS = 3;
/** ITU-R BT.601 luma weights of R, G and B. */
const LUMA = [0.299, 0.587, 0.114] as const;
/** BT.601 blue-difference chroma weights of R, G and B (range −0.5 … 0.5). */
const CHROMA_BLUE = [-0.168736, -0.331264, 0.5] as const;
/** BT.601 red-difference chroma weights of R, G and B (range −0.5 … 0.5). */
const CHROMA_RED = [0.5, -0.418688, -0.081312] as const;
/**
 * Added to every signed measurement (chroma, gradients, centre-surround): they lie in
 * −0.5 … 0.5 after halving, and the convolution's ReLU must not cut their negative half.
 */
const SIGNED_OFFSET = 0.5;

/**
 * Thresholds of the soft cumulative histogram bins of each measurement, in standard deviations
 * from the measurement's mean over the training frames (BatchNorm, calibrated on them, puts
 * each measurement in those units before the second convolution). The lowest threshold of each
 * lies below every value, so its bin is the measurement's plain mean. Colour is spread over
 * its whole range; gradients and centre-surround are heavy-tailed, so their bins are dense near
 * zero and sparse in the tails. 14 + 11 + 11 + 9 + 9 + 10 = 64 bins.
 */
export const HISTOGRAM_THRESHOLDS: readonly (readonly number[])[] = [
  // luma
  [-6, -1.75, -1.45, -1.15, -0.85, -0.55, -0.25, 0.05, 0.35, 0.65, 0.95, 1.25, 1.6, 2],
  // blue chroma
  [-6, -2.25, -1.5, -1, -0.6, -0.2, 0.2, 0.6, 1, 1.5, 2.25],
  // red chroma
  [-6, -2.25, -1.5, -1, -0.6, -0.2, 0.2, 0.6, 1, 1.5, 2.25],
  // horizontal luma gradient
  [-6, -2.5, -1.2, -0.5, 0, 0.5, 1.2, 2.5, 4],
  // vertical luma gradient
  [-6, -2.5, -1.2, -0.5, 0, 0.5, 1.2, 2.5, 4],
  // centre-surround (fine detail and noise)
  [-6, -2.5, -1.2, -0.5, -0.15, 0.15, 0.5, 1.2, 2.5, 4],
];

/** Bins of the designed descriptor: the seed encoder's second convolution's filters. */
export const HISTOGRAM_BINS = HISTOGRAM_THRESHOLDS.reduce((n, t) => n + t.length, 0);

/**
 * Sets the encoder of a seed-architecture model (`Conv2D 6@3×3 → BatchNorm → Conv2D 64@1×1 →
 * BatchNorm → GlobalAveragePooling2D`, see `buildSeedModel`) to a designed shot descriptor
 * instead of random weights: the classic shot-boundary feature, colour and texture histograms,
 * which a cut changes and camera motion does not. A random frozen encoder keeps too little of
 * what tells two shots apart, and training the CNN is far too slow on the pure-JS backend.
 *
 * - The first convolution measures, per 3×3 patch: mean luma, mean blue and red chroma,
 *   horizontal and vertical luma gradient, and centre-minus-surround luma (signed ones halved
 *   and offset by {@link SIGNED_OFFSET} so its ReLU keeps them whole).
 * - The first BatchNorm (calibrated on training frames) standardises each measurement.
 * - The second convolution's filter k is `ReLU(z_c − t_k)` for one measurement c and one
 *   threshold t_k of {@link HISTOGRAM_THRESHOLDS}; global average pooling turns it into
 *   `E[ReLU(z_c − t_k)]`, the integral of the measurement's survival function above t_k: a soft
 *   cumulative histogram, one bin per filter, monotone in the frame's distribution of c.
 *
 * The layers' types and shapes stay the seed's, so the model loads, folds and serves like any
 * user model. The head is left as it is.
 */
export function setHistogramEncoder(model: tf.LayersModel): void {
  const convolutions = encoderLayers(model).filter((l) => l.getClassName() === 'Conv2D');
  const [first, second] = convolutions;
  if (convolutions.length !== 2 || first === undefined || second === undefined) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `the histogram encoder needs the seed encoder's two convolutions, got ${convolutions.length}`,
    );
  }
  expectKernel(first, [KERNEL, KERNEL, COLOURS, MEASUREMENTS]);
  expectKernel(second, [1, 1, MEASUREMENTS, HISTOGRAM_BINS]);
  const measurements = measurementWeights();
  const bins = binWeights();
  first.setWeights(measurements);
  second.setWeights(bins);
  tf.dispose([...measurements, ...bins]);
}

/** Kernel `[3, 3, 3, 6]` and bias `[6]` of the six local measurements. */
function measurementWeights(): [tf.Tensor4D, tf.Tensor1D] {
  const kernel = new Float32Array(KERNEL * KERNEL * COLOURS * MEASUREMENTS);
  const set = (row: number, col: number, colour: number, out: number, value: number) => {
    const index = ((row * KERNEL + col) * COLOURS + colour) * MEASUREMENTS + out;
    kernel[index] = kernel[index]! + value;
  };
  const taps = KERNEL * KERNEL;
  for (let row = 0; row < KERNEL; row++) {
    for (let col = 0; col < KERNEL; col++) {
      for (let colour = 0; colour < COLOURS; colour++) {
        const luma = LUMA[colour]!;
        set(row, col, colour, 0, luma / taps);
        set(row, col, colour, 1, CHROMA_BLUE[colour]! / taps);
        set(row, col, colour, 2, CHROMA_RED[colour]! / taps);
        // Right column minus left, bottom row minus top, each a mean of 3 taps, halved.
        set(row, col, colour, 3, ((col - 1) * luma) / (2 * KERNEL));
        set(row, col, colour, 4, ((row - 1) * luma) / (2 * KERNEL));
        const centre = row === 1 && col === 1;
        set(row, col, colour, 5, (centre ? luma : -luma / (taps - 1)) / 2);
      }
    }
  }
  const bias = [0, ...new Array<number>(MEASUREMENTS - 1).fill(SIGNED_OFFSET)];
  return [tf.tensor4d(kernel, [KERNEL, KERNEL, COLOURS, MEASUREMENTS]), tf.tensor1d(bias)];
}

/** Kernel `[1, 1, 6, 64]` and bias `[64]`: bin k is `ReLU(z_c − t_k)`. */
function binWeights(): [tf.Tensor4D, tf.Tensor1D] {
  const kernel = new Float32Array(MEASUREMENTS * HISTOGRAM_BINS);
  const bias: number[] = [];
  HISTOGRAM_THRESHOLDS.forEach((thresholds, measurement) => {
    for (const threshold of thresholds) {
      kernel[measurement * HISTOGRAM_BINS + bias.length] = 1;
      bias.push(-threshold);
    }
  });
  return [tf.tensor4d(kernel, [1, 1, MEASUREMENTS, HISTOGRAM_BINS]), tf.tensor1d(bias)];
}

function expectKernel(layer: tf.layers.Layer, shape: readonly number[]): void {
  const actual = layer.getWeights()[0]?.shape ?? [];
  if (actual.join('×') !== shape.join('×') || layer.getWeights().length !== 2) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `the histogram encoder needs a ${shape.join('×')} kernel with a bias in ${layer.name}, got ${actual.join('×')}`,
    );
  }
}

/** The encoder's layers, in order, through TimeDistributed and nested models. */
function encoderLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const flatten = (layer: tf.layers.Layer): tf.layers.Layer[] => {
    const wrapped = (layer as unknown as { layer?: tf.layers.Layer }).layer;
    if (wrapped !== undefined) return flatten(wrapped);
    const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
    return inner === undefined ? [layer] : inner.flatMap(flatten);
  };
  return model.layers.flatMap(flatten);
}
