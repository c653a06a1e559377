import * as tf from '@tensorflow/tfjs';
import type { LoadedModel } from '../model/load-model.js';
import { UsageError } from '../errors.js';
import { pixelsToFloats } from '../model/run/pixels-to-floats.js';
import { SeededRandom } from './seeded-random.js';
import type { TrainingHooks } from './training-hooks.js';
import type { WindowExamples } from './window-examples.js';

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
   * Makes each epoch's training inputs from the training windows (see
   * {@link TrainingHooks.augmentEpoch}).
   * @defaultValue the same inputs every epoch
   */
  readonly augmentEpoch?: TrainingHooks['augmentEpoch'];
  /** Seed of the order training windows are shown in: the same seed, the same training. */
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
  // Passed as an object, the optimizer is not the model's to dispose: its state is freed here.
  const optimizer = tf.train.adam(options.learningRate);
  net.compile({
    optimizer,
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  // One seeded order instead of tfjs' unseeded per-epoch shuffle: training is reproducible.
  const [x, y] = tensors(model, shuffled(train, options.seed), classes);
  const [vx, vy] = tensors(model, validation, classes);
  const classWeight = classWeights(train.labels, classes, options.balance ?? 1);
  let best: { epoch: number; logs: EpochLogs; weights: tf.Tensor[] } | undefined;
  let epochs = 0;
  try {
    // One fit call per epoch (the optimizer's state carries over): each epoch may see other
    // inputs.
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const input = epochInputs(x, epoch, options.augmentEpoch);
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
    optimizer.dispose();
  }
}

/** The epoch's inputs: `x`, or what `augment` makes of it, checked to fit the labels. */
function epochInputs(x: tf.Tensor, epoch: number, augment: FitOptions['augmentEpoch']): tf.Tensor {
  const input = augment?.(x, epoch) ?? x;
  if (input.shape.join() !== x.shape.join()) {
    if (input !== x) input.dispose();
    throw new UsageError(
      `augmentEpoch must return a tensor of the inputs' shape [${x.shape.join(', ')}], got [${input.shape.join(', ')}] in epoch ${epoch}`,
    );
  }
  return input;
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
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(examples.labels, 'int32'), classes));
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
