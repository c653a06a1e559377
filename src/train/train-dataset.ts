import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { FRAMEWISE_JSON, type FramewiseConfig } from '../model/load/framewise-config.js';
import type { LoadedModel } from '../model/load-model.js';
import { saveModelToDirectory } from '../model/load/model-files.js';
import { SeededRandom } from './seeded-random.js';
import type { Annotations } from './annotations.js';
import { calibrateBatchNorm } from './calibrate-batch-norm.js';
import { sampleFrames } from './sample-frames.js';
import { fitWindows, type EpochLogs, type FitResult } from './fit-windows.js';
import type { TrainingHooks, TrainingWindows } from './training-hooks.js';
import { collectExamples, type WindowExamples } from './window-examples.js';

/** Frames the frozen encoder's BatchNorm statistics are measured on. */
const CALIBRATION_FRAMES = 512;

/** How {@link trainOnDataset} trains: what `framewise train` decided, checked. */
export interface TrainSettings {
  /** The dataset's directory: the annotations' video names are relative to it. */
  readonly dataDir: string;
  /** Where model.json, its weights and framewise.json are written. */
  readonly outDir: string;
  /** The dataset's labeled segments (see `readAnnotations`). */
  readonly annotations: Annotations;
  /** Frames per window. */
  readonly window: number;
  /** Frames from one training window's end to the next. */
  readonly stride: number;
  /** Sampling rate, in frames per second; each video's own when undefined. */
  readonly fps?: number;
  /** Most passes over the training windows. */
  readonly epochs: number;
  /** Windows per gradient step. */
  readonly batchSize: number;
  /** Adam's learning rate. */
  readonly learningRate: number;
  /** Epochs without a better validation loss before training stops. */
  readonly patience: number;
  /** Share of the videos held out for validation, in (0, 1). */
  readonly validationFraction: number;
  /**
   * Train only the head, on embeddings of the encoder, whose BatchNorm statistics are first
   * re-estimated on training frames.
   */
  readonly frozenEncoder: boolean;
  /** Seed of the split into training and validation videos and of the training order. */
  readonly seed: number;
  /** Exponent of the inverse-frequency class weights (see `FitOptions.balance`). @defaultValue 1 */
  readonly balance?: number;
  /**
   * Code run at set points of training: head layers designed from the data, synthetic windows,
   * per-epoch perturbations (see {@link TrainingHooks}).
   * @defaultValue none
   */
  readonly hooks?: TrainingHooks;
  /** Called with each line of progress (windows cut, calibration, each epoch's metrics). */
  readonly onProgress: (line: string) => void;
}

/** What `framewise train` reports at the end. */
export interface TrainReport extends FitResult {
  /** Where the model was written. */
  readonly out: string;
  /** Class names in output order. */
  readonly classes: readonly string[];
  /** Videos trained on. */
  readonly trainVideos: number;
  /** Videos held out for validation. */
  readonly validationVideos: number;
  /** Windows trained on, those `hooks.augment` added included. */
  readonly trainWindows: number;
  /** Windows validated on. */
  readonly validationWindows: number;
}

/**
 * Trains `model` on a dataset: splits it by video (no window of a validation video is seen in
 * training), cuts labeled windows from every video, fits, and writes the model with its
 * framewise.json (class names, window, fps, preprocessing). `settings.hooks` run, in this
 * order: `prepareHead` and `augment` once the training windows are cut, `augmentEpoch` at the
 * start of each epoch.
 */
export async function trainOnDataset(
  model: LoadedModel,
  settings: TrainSettings,
): Promise<TrainReport> {
  const { train, validation } = splitVideos([...settings.annotations.videos.keys()], settings);
  // Which video each window came from, for hooks: e.g. windows joined from two videos.
  const collect = async (videos: readonly string[]) => {
    const examples: WindowExamples = { inputs: [], labels: [], rates: [] };
    const videoOfWindow: number[] = [];
    for (const [v, video] of videos.entries()) {
      await collectExamples(
        join(settings.dataDir, video),
        settings.annotations.videos.get(video)!,
        model,
        {
          window: settings.window,
          stride: settings.stride,
          ...(settings.fps === undefined ? {} : { fps: settings.fps }),
          classes: settings.annotations.classes,
          embeddings: settings.frozenEncoder,
          batch: 32,
        },
        examples,
      );
      while (videoOfWindow.length < examples.labels.length) videoOfWindow.push(v);
      settings.onProgress(`windows from ${video}: ${examples.labels.length} so far`);
    }
    return { examples, videoOfWindow };
  };
  if (settings.frozenEncoder) {
    // Spread over the training videos: every 4th frame, up to a few hundred.
    const sample = await sampleFrames(
      train.map((v) => join(settings.dataDir, v)),
      model,
      {
        step: 4,
        max: CALIBRATION_FRAMES,
        ...(settings.fps === undefined ? {} : { fps: settings.fps }),
      },
    );
    const layers = calibrateBatchNorm(model, sample);
    settings.onProgress(
      `calibrated ${layers} BatchNorm layers of the frozen encoder on ${sample.length} frames`,
    );
  }
  const collected = await collect(train);
  const windows: TrainingWindows = {
    examples: collected.examples,
    embeddings: settings.frozenEncoder,
    videos: train,
    videoOfWindow: collected.videoOfWindow,
    window: settings.window,
    classes: settings.annotations.classes,
  };
  await settings.hooks?.prepareHead?.(model, windows);
  const trainExamples = settings.hooks?.augment?.(windows) ?? collected.examples;
  const validationExamples = (await collect(validation)).examples;
  if (trainExamples.labels.length === 0 || validationExamples.labels.length === 0) {
    throw new UsageError(
      'no labeled windows to train or validate on: check that the annotations cover the videos',
    );
  }
  const result = await fitWindows(model, trainExamples, validationExamples, {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    patience: settings.patience,
    frozenEncoder: settings.frozenEncoder,
    seed: settings.seed,
    ...(settings.balance === undefined ? {} : { balance: settings.balance }),
    ...(settings.hooks?.augmentEpoch === undefined
      ? {}
      : { augmentEpoch: settings.hooks.augmentEpoch }),
    onEpoch: (epoch, logs) => settings.onProgress(formatEpoch(epoch, settings.epochs, logs)),
  });
  await saveModelToDirectory(model.model, settings.outDir);
  const config: FramewiseConfig = {
    classNames: settings.annotations.classes,
    input: model.preprocessing,
    window: settings.window,
    ...trainedFps(settings.fps, collected.examples.rates ?? []),
  };
  await writeFile(join(settings.outDir, FRAMEWISE_JSON), `${JSON.stringify(config, null, 2)}\n`);
  return {
    ...result,
    out: settings.outDir,
    classes: settings.annotations.classes,
    trainVideos: train.length,
    validationVideos: validation.length,
    trainWindows: trainExamples.labels.length,
    validationWindows: validationExamples.labels.length,
  };
}

/** A seeded split of the videos into training and validation sets. */
function splitVideos(videos: readonly string[], settings: TrainSettings) {
  if (videos.length < 2) {
    throw new UsageError(
      `training needs at least 2 annotated videos (one to validate on), got ${videos.length}`,
    );
  }
  const random = new SeededRandom(settings.seed);
  const shuffled = [...videos].sort();
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = random.integer(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const count = Math.min(
    videos.length - 1,
    Math.max(1, Math.round(videos.length * settings.validationFraction)),
  );
  return { validation: shuffled.slice(0, count), train: shuffled.slice(count) };
}

/** The rate the model was trained at: the sampling rate, or the videos' rate when they agree. */
function trainedFps(fps: number | undefined, rates: readonly number[]): { fps?: number } {
  if (fps !== undefined) return { fps };
  const first = rates[0];
  return first !== undefined && rates.every((r) => Math.abs(r - first) < 1e-6)
    ? { fps: first }
    : {};
}

function formatEpoch(epoch: number, epochs: number, logs: EpochLogs): string {
  const f = (x: number) => x.toFixed(4);
  return `epoch ${epoch}/${epochs}  loss ${f(logs.loss)}  acc ${f(logs.acc)}  val_loss ${f(logs.val_loss)}  val_acc ${f(logs.val_acc)}`;
}
