import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { loadModel, prepareModel } from '../model/load-model.js';
import { useBackend, type BackendName } from '../model/run/backend.js';
import { formatHelp, parseCommandLine } from '../options/command-line.js';
import { LABELS_CSV, readAnnotations } from '../train/annotations.js';
import { buildSeedModel } from '../train/seed-model.js';
import { trainOnDataset } from '../train/train-dataset.js';
import type { CommandIo } from './command-io.js';
import { TRAIN_COMMAND } from './command-specs.js';

/** Frames per window of a new model when `--window` is not given. */
const NEW_MODEL_WINDOW = 4;

/** Runs `framewise train`; resolves with the exit status. */
export async function trainCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { options: values, positionals, help } = parseCommandLine(TRAIN_COMMAND, args, io.env);
  if (help) {
    io.stdout.write(formatHelp(TRAIN_COMMAND));
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`train takes no arguments, got ${JSON.stringify(positionals[0])}`);
  }
  const { data, out } = values;
  if (data === undefined || out === undefined) {
    throw new UsageError('train needs --data <dir> and --out <model dir>');
  }
  const annotations = await readAnnotations(join(data, LABELS_CSV));
  await useBackend(trainingBackend(values.backend, values.freezeEncoder));
  const model =
    values.init === undefined
      ? prepareModel(
          buildSeedModel({
            timeSteps: values.window ?? NEW_MODEL_WINDOW,
            height: values.size,
            width: values.size,
            classes: annotations.classes.length,
            seed: values.seed,
          }),
          {},
          'a new seed model',
          // Training changes BatchNorm statistics and head weights: a folded copy would go stale.
          { fold: false },
        )
      : await loadModel(values.init, { fold: false });
  try {
    const report = await trainOnDataset(model, {
      dataDir: data,
      outDir: out,
      annotations,
      window: values.window ?? model.defaultWindow,
      stride: values.stride,
      ...(values.fps === undefined ? {} : { fps: values.fps }),
      epochs: values.epochs,
      batchSize: values.batchSize,
      learningRate: values.learningRate,
      patience: values.patience,
      validationFraction: values.validation,
      frozenEncoder: values.freezeEncoder,
      seed: values.seed,
      balance: values.balance,
      onProgress: (line) => io.stderr.write(`${line}\n`),
    });
    io.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  } finally {
    model.dispose();
  }
}

/** Convolution gradients exist on cpu and tensorflow only: full training never runs on wasm. */
function trainingBackend(requested: BackendName, frozenEncoder: boolean): BackendName {
  if (frozenEncoder) return requested;
  if (requested === 'wasm') {
    throw new UsageError(
      'full training needs convolution gradients, which the wasm backend lacks: use --backend cpu or tensorflow, or --freeze-encoder',
    );
  }
  return requested === 'auto' ? 'cpu' : requested;
}
