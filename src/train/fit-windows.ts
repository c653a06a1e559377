import * as tf from '@tensorflow/tfjs';
import type { LoadedModel } from '../model/load-model.js';
import { pixelsToFloats } from '../model/run/pixels-to-floats.js';
import { SeededRandom } from './seeded-random.js';
import { featureStds, shiftWindows } from '../../lab/demo-model/shift-windows.js';
import type { WindowExamples } from './window-examples.js';

/** Offsets the shift-augmentation stream from the order's seed, so the two draws differ. */
const SHIFT_SEED_OFFSET = 7919;

/** Training settings of {@link fitWindows}. */
export interface FitOptions {
  /** Most passes over the training windows. */
  readonly epochs: number;
  /** Windows per gradient step. */
  readonly batchSize: number;
  /** Adam's learning rate. */
  readonly learningRate: number;
  /** Epochs without a better validation loss before training stops (early stopping). */
  readonly patience: number;
  /** Train only the head on embeddings (the examples hold embeddings). */
  readonly frozenEncoder: boolean;
  /**
   * Exponent of the class weights `(windows / (classes × class windows))^balance`: 1 weighs
   * each class equally in the loss, 0 weighs each window equally. Between the two, rare classes
   * (cuts) count more without being predicted at every doubt.
   * @defaultValue 1
   */
  readonly balance?: number;
  /**
   * Shift augmentation of a frozen encoder's embeddings: each epoch, every training window gets
   * one fresh random offset, the same at all its time steps, of `shiftAugment` times each
   * feature's standard deviation (see {@link shiftWindows}), so that the head learns from
   * changes between frames rather than from absolute values. 0 turns it off. Needs
   * `frozenEncoder`.
   * @defaultValue 0
   */
  readonly shiftAugment?: number;
  /**
   * Seed of the order training windows are shown in and of the shift offsets: the same seed, the
   * same training.
   */
  readonly seed: number;
  /** Called after each epoch with its metrics. */
  readonly onEpoch?: (epoch: number, logs: EpochLogs) => void;
}

/** One epoch's metrics. */
export interface EpochLogs {
  readonly loss: number;
  readonly acc: number;
  readonly val_loss: number;
  readonly val_acc: number;
}

/** What training reached: the best epoch's metrics, whose weights the model keeps. */
export interface FitResult {
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly best: EpochLogs;
}

/**
 * Trains the model (or, with a frozen encoder, only its head) on windows, validating on held-out
 * windows after each epoch; stops after `patience` epochs without a better validation loss and
 * restores the best epoch's weights. Classes are weighted by inverse frequency (to the power
 * `balance`): cut windows are rare next to same-shot ones.
 */
export async function fitWindows(
  model: LoadedModel,
  train: WindowExamples,
  validation: WindowExamples,
  options: FitOptions,
): Promise<FitResult> {
  const classes = model.split.classes;
  const net = options.frozenEncoder ? headModel(model) : model.model;
  net.compile({
    optimizer: tf.train.adam(options.learningRate),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const shift = options.shiftAugment ?? 0;
  if (shift > 0 && !options.frozenEncoder) {
    throw new Error('shift augmentation works on embeddings: it needs a frozen encoder');
  }
  // One seeded order instead of tfjs' unseeded per-epoch shuffle: training is reproducible.
  const [x, y] = tensors(model, shuffled(train, options.seed), classes);
  const [vx, vy] = tensors(model, validation, classes);
  const shifts =
    shift > 0
      ? epochShifts(x, shift, new SeededRandom(options.seed + SHIFT_SEED_OFFSET))
      : undefined;
  const classWeight = classWeights(train.labels, classes, options.balance ?? 1);
  let best: { epoch: number; logs: EpochLogs; weights: tf.Tensor[] } | undefined;
  let epochs = 0;
  try {
    // One fit call per epoch (the optimizer's state carries over): each epoch may see other
    // shifted inputs.
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const input = shifts?.() ?? x;
      let raw: tf.Logs | undefined;
      try {
        await net.fit(input, y, {
          epochs: 1,
          batchSize: options.batchSize,
          shuffle: false,
          validationData: [vx, vy],
          classWeight,
          verbose: 0,
          callbacks: {
            onEpochEnd: async (_, logs) => {
              raw = logs;
            },
          },
        });
      } finally {
        if (input !== x) input.dispose();
      }
      epochs = epoch;
      const logs = epochLogs(raw);
      options.onEpoch?.(epoch, logs);
      if (best === undefined || logs.val_loss < best.logs.val_loss) {
        tf.dispose(best?.weights);
        best = { epoch, logs, weights: net.getWeights().map((w) => w.clone()) };
      } else if (epoch - best.epoch >= options.patience) {
        break;
      }
    }
    net.setWeights(best!.weights);
    return { epochs, bestEpoch: best!.epoch, best: best!.logs };
  } finally {
    tf.dispose([x, y, vx, vy, ...(best?.weights ?? [])]);
  }
}

/** A source of freshly shifted copies of the `[windows, steps, features]` embeddings `x`. */
function epochShifts(x: tf.Tensor, factor: number, random: SeededRandom): () => tf.Tensor {
  const [, steps, features] = x.shape as [number, number, number];
  const windows = { data: x.dataSync() as Float32Array, steps, features };
  const stds = featureStds(windows);
  return () =>
    tf.tensor3d(shiftWindows(windows, stds, factor, random), x.shape as [number, number, number]);
}

/** The head alone, on `[window, embedding]` inputs, sharing the model's own head layers. */
function headModel(model: LoadedModel): tf.Sequential {
  const head = tf.sequential();
  head.add(tf.layers.inputLayer({ inputShape: [null, model.split.embeddingSize] }));
  for (const layer of model.split.headLayers) head.add(layer);
  return head;
}

function tensors(
  model: LoadedModel,
  examples: WindowExamples,
  classes: number,
): [tf.Tensor, tf.Tensor] {
  const y = tf.oneHot(tf.tensor1d(examples.labels, 'int32'), classes);
  const first = examples.inputs[0];
  if (first instanceof Float32Array) {
    const n = first.length / model.split.embeddingSize;
    const data = new Float32Array(examples.inputs.length * first.length);
    examples.inputs.forEach((input, i) => data.set(input as Float32Array, i * first.length));
    return [tf.tensor3d(data, [examples.inputs.length, n, model.split.embeddingSize]), y];
  }
  const { height, width, channels } = model.split;
  const frameLength = height * width * channels;
  const frames = examples.inputs.flatMap((input) => input as readonly Uint8Array[]);
  const n = (first as readonly Uint8Array[] | undefined)?.length ?? 1;
  const data = pixelsToFloats(frames, frameLength, model.preprocessing);
  return [tf.tensor5d(data, [examples.inputs.length, n, height, width, channels]), y];
}

function shuffled(examples: WindowExamples, seed: number): WindowExamples {
  const random = new SeededRandom(seed);
  const order = examples.labels.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.integer(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return {
    inputs: order.map((i) => examples.inputs[i]!),
    labels: order.map((i) => examples.labels[i]!),
  };
}

function classWeights(
  labels: readonly number[],
  classes: number,
  balance: number,
): Record<number, number> {
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) counts[label]!++;
  const weights: Record<number, number> = {};
  counts.forEach(
    (count, c) => (weights[c] = count === 0 ? 1 : (labels.length / (classes * count)) ** balance),
  );
  return weights;
}

function epochLogs(raw: tf.Logs | undefined): EpochLogs {
  const get = (...keys: string[]) =>
    keys.map((k) => raw?.[k]).find((v) => typeof v === 'number') ?? NaN;
  return {
    loss: get('loss'),
    acc: get('acc', 'accuracy'),
    val_loss: get('val_loss'),
    val_acc: get('val_acc', 'val_accuracy'),
  };
}
