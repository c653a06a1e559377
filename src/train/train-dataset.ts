import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { FRAMEWISE_JSON, type FramewiseConfig } from '../model/load/framewise-config.js';
import type { LoadedModel } from '../model/load-model.js';
import {
  changeLayerUnits,
  changeStatistics,
  setChangeLayer,
} from '../../lab/demo-model/change-layer.js';
import { saveModelToDirectory } from '../model/load/model-files.js';
import { SeededRandom } from './seeded-random.js';
import type { Annotations } from './annotations.js';
import { calibrateBatchNorm } from './calibrate-batch-norm.js';
import { sampleFrames } from './sample-frames.js';
import { fitWindows, type EpochLogs, type FitResult } from './fit-windows.js';
import { spliceWindows } from '../../lab/demo-model/splice-windows.js';
import { collectExamples, type WindowExamples } from './window-examples.js';

/** Frames the frozen encoder's BatchNorm statistics are measured on. */
const CALIBRATION_FRAMES = 512;

/** Everything `framewise train` decided, checked. */
export interface TrainSettings {
  readonly dataDir: string;
  readonly outDir: string;
  readonly annotations: Annotations;
  readonly window: number;
  readonly stride: number;
  readonly fps?: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly patience: number;
  /** Share of the videos held out for validation, in (0, 1). */
  readonly validationFraction: number;
  readonly frozenEncoder: boolean;
  readonly seed: number;
  /**
   * Add synthetic windows of this class, spliced from two videos' windows of other classes (see
   * {@link spliceWindows}); none when undefined.
   */
  readonly splice?: string;
  /**
   * Spliced windows to add.
   * @defaultValue as many as the training windows of the `splice` class
   */
  readonly spliceWindows?: number;
  /** Exponent of the inverse-frequency class weights (see `FitOptions.balance`). @defaultValue 1 */
  readonly balance?: number;
  /**
   * Shift augmentation of the frozen encoder's embeddings, in units of each feature's standard
   * deviation (see `FitOptions.shiftAugment`); 0 is off.
   * @defaultValue 0
   */
  readonly shiftAugment?: number;
  /**
   * Design the head's first layer, a change layer (see `setChangeLayer`), from the training
   * windows' embeddings before fitting; it stays frozen. Needs `frozenEncoder`.
   * @defaultValue false
   */
  readonly changeLayer?: boolean;
  readonly onProgress: (line: string) => void;
}

/** What `framewise train` reports at the end. */
export interface TrainReport extends FitResult {
  readonly out: string;
  readonly classes: readonly string[];
  readonly trainVideos: number;
  readonly validationVideos: number;
  readonly trainWindows: number;
  readonly validationWindows: number;
}

/**
 * Trains `model` on a dataset: splits it by video (no window of a validation video is seen in
 * training), cuts labeled windows from every video, fits, and writes the model with its
 * framewise.json (class names, window, fps, preprocessing).
 */
export async function trainOnDataset(
  model: LoadedModel,
  settings: TrainSettings,
): Promise<TrainReport> {
  const { train, validation } = splitVideos([...settings.annotations.videos.keys()], settings);
  // Which video each window came from: spliced windows join two different videos.
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
  if (settings.changeLayer === true) designChangeLayer(model, collected.examples, settings);
  const trainExamples = spliced(collected.examples, collected.videoOfWindow, settings);
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
    ...(settings.shiftAugment === undefined ? {} : { shiftAugment: settings.shiftAugment }),
    onEpoch: (epoch, logs) => settings.onProgress(formatEpoch(epoch, settings.epochs, logs)),
  });
  await saveModelToDirectory(model.model, settings.outDir);
  const config: FramewiseConfig = {
    classNames: settings.annotations.classes,
    input: model.preprocessing,
    window: settings.window,
    ...trainedFps(settings.fps, trainExamples.rates ?? []),
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

/** Sets the head's first layer to a change detector scaled by the training windows' statistics. */
function designChangeLayer(
  model: LoadedModel,
  examples: WindowExamples,
  settings: TrainSettings,
): void {
  const first = model.split.headLayers[0];
  if (!settings.frozenEncoder || first === undefined) {
    throw new UsageError(
      '--change-layer designs its layer from embeddings: it needs --freeze-encoder',
    );
  }
  const features = model.split.embeddingSize;
  const units = changeLayerUnits(features);
  if (first.getClassName() !== 'LSTM' || first.getConfig().units !== units) {
    throw new UsageError(
      `--change-layer designs the head's first layer, which must be an LSTM of ${units} units for ${features} embedding features; ${first.name} is a ${first.getClassName()} of ${String(first.getConfig().units)} units: train a new model (no --init) or --init one made with a change layer`,
    );
  }
  const windowLength = settings.window * features;
  const data = new Float32Array(examples.inputs.length * windowLength);
  examples.inputs.forEach((input, i) => data.set(input as Float32Array, i * windowLength));
  setChangeLayer(first, changeStatistics(data, settings.window, features));
  settings.onProgress(
    `designed ${first.name} as a change layer over ${features} features from ${examples.inputs.length} windows`,
  );
}

/** The training windows with the spliced windows `settings` asks for added. */
function spliced(
  examples: WindowExamples,
  videoOfWindow: readonly number[],
  settings: TrainSettings,
): WindowExamples {
  if (settings.splice === undefined) return examples;
  const label = settings.annotations.classes.indexOf(settings.splice);
  if (label < 0) {
    throw new UsageError(
      `splice must name a class of the annotations (${settings.annotations.classes.join(', ')}), got ${JSON.stringify(settings.splice)}`,
    );
  }
  const count = settings.spliceWindows ?? examples.labels.filter((l) => l === label).length;
  const out = spliceWindows(examples, videoOfWindow, {
    label,
    count,
    window: settings.window,
    seed: settings.seed,
  });
  settings.onProgress(
    `spliced ${out.labels.length - examples.labels.length} ${settings.splice} windows`,
  );
  return out;
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
