import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../src/errors.js';

/**
 * A gate pre-activation that pins `sigmoid` to 0 or 1 (sigmoid(30) = 1 − 9·10⁻¹⁴): gates that
 * must always be open or shut.
 */
const PINNED = 30;
/**
 * Storage units hold `STORE_SCALE × (x − mean) / std`: small, so that `tanh(tanh(v)) ≈ v`
 * (relative error 2v²/3: 2·10⁻⁷ at 5 standard deviations) and the change read back is the
 * change that went in; and so that the head, which sees these units too, gets next to nothing
 * of the absolute values.
 */
const STORE_SCALE = 1e-4;
/** A change of one change scale gives a candidate of tanh(0.5): unsaturated, yet a cut saturates. */
const CHANGE_GAIN = 0.5;
/**
 * Output-gate slope of the rectifiers: a change of one change scale the wrong way leaves
 * sigmoid(−4) = 1.8% of it.
 */
const RECTIFIER_SLOPE = 4;
/** What the step counter outputs from the first step on: tanh(1), its cell being 1. */
const COUNTER_OUTPUT = Math.tanh(1);
/**
 * Output-gate pre-activation that shuts the rise and fall units on a window's first step, where
 * they see a frame's distance from the mean, not a change: it must outweigh RECTIFIER_SLOPE
 * times that distance in change scales (at most 1/MIN_CHANGE_SCALE per standard deviation), yet
 * stay small enough that float32 cancels it to within 10⁻³ once the counter is on.
 */
const FIRST_STEP_SHUT = 1e4;
/** Smallest change scale, in units of the feature's spread: features that never change stay quiet. */
const MIN_CHANGE_SCALE = 0.01;
/**
 * Smallest spread and change scale, as a fraction of the largest feature's magnitude
 * (|mean| + spread): float32 rounding of an embedding (about 10⁻⁷ of it, more after the loader
 * folds BatchNorm) stays below 10⁻² of a change scale.
 */
const NOISE_FLOOR = 1e-4;
/** The within-window change of a feature that 90% of frame pairs stay under is its change scale. */
const CHANGE_QUANTILE = 0.9;

/** Units of the change layer for `features` embedding features: store, rise, fall, and a counter. */
export function changeLayerUnits(features: number): number {
  return 3 * features + 1;
}

/** Per-feature statistics of frame embeddings that set the change layer's weights. */
export interface ChangeStatistics {
  /** Each feature's mean over all frames. */
  readonly mean: Float32Array;
  /** Each feature's standard deviation over all frames (> 0). */
  readonly spread: Float32Array;
  /** Each feature's typical change between consecutive frames of one window (> 0). */
  readonly changeScale: Float32Array;
}

/**
 * Statistics of windows of embeddings laid out `[window][step][feature]`: mean and spread over
 * every frame, and the 90th percentile of the absolute change between consecutive frames of a
 * window (cuts are a few of those pairs, so the percentile is the within-shot change). Spreads
 * and change scales are floored at NOISE_FLOOR of the largest feature magnitude: a feature that
 * never changes (a ReLU that never fires) must not turn float rounding into a change.
 */
export function changeStatistics(
  data: Float32Array,
  steps: number,
  features: number,
): ChangeStatistics {
  const frames = data.length / features;
  const mean = new Float32Array(features);
  const spread = new Float32Array(features);
  for (let f = 0; f < features; f++) {
    let sum = 0;
    let squares = 0;
    for (let i = f; i < data.length; i += features) {
      sum += data[i]!;
      squares += data[i]! * data[i]!;
    }
    mean[f] = sum / frames;
    spread[f] = Math.sqrt(Math.max(0, squares / frames - mean[f]! ** 2));
  }
  let magnitude = 0;
  for (let f = 0; f < features; f++) {
    magnitude = Math.max(magnitude, Math.abs(mean[f]!) + spread[f]!);
  }
  const floor = NOISE_FLOOR * magnitude || 1;
  const changeScale = new Float32Array(features);
  const changes = new Float32Array((frames / steps) * (steps - 1));
  for (let f = 0; f < features; f++) {
    spread[f] = Math.max(spread[f]!, floor);
    let n = 0;
    for (let start = 0; start < data.length; start += steps * features) {
      for (let s = 1; s < steps; s++) {
        const at = start + s * features + f;
        changes[n++] = Math.abs(data[at]! - data[at - features]!);
      }
    }
    const sorted = changes.subarray(0, n).sort();
    const quantile = sorted[Math.min(n - 1, Math.floor(n * CHANGE_QUANTILE))] ?? 0;
    changeScale[f] = Math.max(quantile, MIN_CHANGE_SCALE * spread[f]!, floor);
  }
  return { mean, spread, changeScale };
}

/**
 * Sets an LSTM layer (sigmoid gates, tanh activations, `3F + 1` units for F input features) to
 * a designed change detector, to be frozen in front of a trainable head. Its output at each step
 * is, per feature, the rectified change since the previous frame, in units of the feature's
 * change scale, rising and falling apart (`tanh(tanh(±Δ / 2s))` gated by `sigmoid(±4Δ / s)`):
 * absolute colours and textures do not reach the head, only how much each one changed. A hard
 * cut changes many features at once; motion and noise change few, by little.
 *
 * Units: F `store` units (each holds its feature, scaled down so the LSTM's tanh stays linear,
 * for the next step to subtract), F `rise` and F `fall` units (the rectified change), one
 * `counter` (0 before the first step, tanh(1) after it: it shuts the rise and fall units on a
 * window's first frame, which has no previous frame). Every forget gate is shut: nothing but
 * the previous frame is remembered, so window and stateful mode agree.
 */
export function setChangeLayer(layer: tf.layers.Layer, statistics: ChangeStatistics): void {
  const features = statistics.mean.length;
  const units = changeLayerUnits(features);
  const config = layer.getConfig();
  const weights = layer.getWeights();
  if (
    layer.getClassName() !== 'LSTM' ||
    config.units !== units ||
    config.recurrentActivation !== 'sigmoid' ||
    config.activation !== 'tanh' ||
    weights.length !== 3 ||
    weights[0]?.shape[0] !== features
  ) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `a change layer must be an LSTM of ${units} units (3 per feature + 1) with sigmoid gates and tanh activations over ${features} features, got ${layer.getClassName()} ${layer.name} of ${String(config.units)} units over ${weights[0]?.shape[0] ?? '?'} features`,
    );
  }
  const { kernel, recurrent, bias } = changeWeights(statistics);
  const values = [
    tf.tensor2d(kernel, [features, 4 * units]),
    tf.tensor2d(recurrent, [units, 4 * units]),
    tf.tensor1d(bias),
  ];
  layer.setWeights(values);
  tf.dispose(values);
  layer.trainable = false;
}

/** The change layer's kernel, recurrent kernel and bias (gate order i, f, c, o as in Keras). */
function changeWeights(statistics: ChangeStatistics) {
  const { mean, spread, changeScale } = statistics;
  const features = mean.length;
  const units = changeLayerUnits(features);
  const kernel = new Float32Array(features * 4 * units);
  const recurrent = new Float32Array(units * 4 * units);
  const bias = new Float32Array(4 * units);
  const gate = { input: 0, forget: units, candidate: 2 * units, output: 3 * units };
  const counter = 3 * features;
  const always = (unit: number) => {
    bias[gate.input + unit] = PINNED;
    bias[gate.forget + unit] = -PINNED;
  };
  for (let f = 0; f < features; f++) {
    const store = f;
    always(store);
    bias[gate.output + store] = PINNED;
    kernel[f * 4 * units + gate.candidate + store] = STORE_SCALE / spread[f]!;
    bias[gate.candidate + store] = (-STORE_SCALE * mean[f]!) / spread[f]!;
    // z = (x_t − mean) / s − (spread / (STORE_SCALE · s)) · store_{t−1} ≈ (x_t − x_{t−1}) / s.
    const input = 1 / changeScale[f]!;
    const stored = -spread[f]! / (STORE_SCALE * changeScale[f]!);
    const offset = -mean[f]! / changeScale[f]!;
    for (const [unit, sign] of [
      [features + f, 1],
      [2 * features + f, -1],
    ] as const) {
      always(unit);
      for (const [at, gain, shut] of [
        [gate.candidate, sign * CHANGE_GAIN, 0],
        [gate.output, sign * RECTIFIER_SLOPE, FIRST_STEP_SHUT],
      ] as const) {
        kernel[f * 4 * units + at + unit] = gain * input;
        recurrent[store * 4 * units + at + unit] = gain * stored;
        // The output gate is shut on the first step (counter 0) and opens after it (tanh(1)).
        recurrent[counter * 4 * units + at + unit] = shut / COUNTER_OUTPUT;
        bias[at + unit] = gain * offset - shut;
      }
    }
  }
  always(counter);
  bias[gate.candidate + counter] = PINNED;
  bias[gate.output + counter] = PINNED;
  return { kernel, recurrent, bias };
}
