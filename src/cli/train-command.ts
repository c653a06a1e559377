import { join } from 'node:path';
import { optionalInteger, optionalNumber } from '../options/option-values.js';
import { parseBackend } from '../options/label-options.js';
import { UsageError } from '../errors.js';
import { useBackend, type BackendName } from '../model/run/backend.js';
import { loadModel, prepareModel } from '../model/load-model.js';
import { buildSeedModel } from '../train/seed-model.js';
import { readAnnotations } from '../train/annotations.js';
import { trainOnDataset } from '../train/train-dataset.js';
import { LABELS_CSV } from '../../lab/demo-model/cut-dataset.js';
import type { CommandIo } from './command-io.js';
import { formatOptions, parseCommandLine, type OptionSpec } from './parse-command-line.js';

/** Defaults of `framewise train`. */
const DEFAULTS = {
  window: 4,
  size: 99,
  stride: 1,
  epochs: 30,
  batchSize: 32,
  learningRate: 0.003,
  patience: 5,
  validation: 0.2,
  seed: 1,
} as const;

/** Options of `framewise train`. */
export const TRAIN_COMMAND_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  data: {
    type: 'string',
    valueName: '<dir>',
    help: `videos and ${LABELS_CSV} (video,start,end,label) [required]`,
  },
  out: {
    type: 'string',
    valueName: '<dir>',
    help: 'where to write model.json, weights and framewise.json [required]',
  },
  init: {
    type: 'string',
    valueName: '<dir|URL>',
    help: 'fine-tune this model [a new seed-architecture model]',
  },
  'freeze-encoder': {
    type: 'boolean',
    help: 'train only the head, on cached embeddings (fast, any backend)',
  },
  window: {
    type: 'string',
    valueName: '<N>',
    help: `frames per window of a new model [${DEFAULTS.window}]`,
  },
  size: { type: 'string', valueName: '<px>', help: `frame side of a new model [${DEFAULTS.size}]` },
  stride: {
    type: 'string',
    valueName: '<S>',
    help: `frames between training windows [${DEFAULTS.stride}]`,
  },
  fps: {
    type: 'string',
    valueName: '<F>',
    help: "sample the videos at F frames/s [each video's rate]",
  },
  epochs: { type: 'string', valueName: '<n>', help: `most epochs [${DEFAULTS.epochs}]` },
  'batch-size': {
    type: 'string',
    valueName: '<n>',
    help: `windows per step [${DEFAULTS.batchSize}]`,
  },
  'learning-rate': {
    type: 'string',
    valueName: '<lr>',
    help: `Adam learning rate [${DEFAULTS.learningRate}]`,
  },
  patience: {
    type: 'string',
    valueName: '<n>',
    help: `epochs without a better validation loss before stopping [${DEFAULTS.patience}]`,
  },
  validation: {
    type: 'string',
    valueName: '<fraction>',
    help: `share of the videos held out for validation [${DEFAULTS.validation}]`,
  },
  seed: {
    type: 'string',
    valueName: '<n>',
    help: `seed of the split and of a new model's weights [${DEFAULTS.seed}]`,
  },
  splice: {
    type: 'string',
    valueName: '<label>',
    help: 'add training windows of <label> spliced from two videos (hard-cut augmentation) [none]',
  },
  'splice-windows': {
    type: 'string',
    valueName: '<n>',
    help: "how many spliced windows [as many as <label>'s training windows]",
  },
  balance: {
    type: 'string',
    valueName: '<p>',
    help: 'class weights (windows / class windows)^p: 1 balances the classes, 0 weighs windows equally [1]',
  },
  'shift-augment': {
    type: 'string',
    valueName: '<factor>',
    help: "with --freeze-encoder: add to each training window one random offset per epoch, factor × each embedding feature's std, so the head learns from changes between frames [0: off]",
  },
  'change-layer': {
    type: 'boolean',
    help: "with --freeze-encoder: the head's first layer is a frozen change detector, designed from the training embeddings, so the head sees how much each feature changed between frames, not its value (a new model gets one)",
  },
  backend: {
    type: 'string',
    valueName: '<auto|tensorflow|wasm|cpu>',
    help: 'backend [auto; full training needs cpu or tensorflow: wasm has no convolution gradients]',
  },
  help: { type: 'boolean', help: 'show this help' },
};

const USAGE = `usage: framewise train --data <dir> --out <model dir> [options]

Trains a video classifier on labeled clips. <dir>/${LABELS_CSV} has the header video,start,end,label;
a window is labeled by the segment holding its last frame. Videos are split into training and
validation sets; progress goes to stderr, a JSON report to stdout.

options (each also settable as FRAMEWISE_<OPTION>):
${formatOptions(TRAIN_COMMAND_OPTIONS)}
`;

/** Runs `framewise train`; resolves with the exit status. */
export async function trainCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandLine('train', args, TRAIN_COMMAND_OPTIONS, io.env);
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`train takes no arguments, got ${JSON.stringify(positionals[0])}`);
  if (typeof values.data !== 'string' || typeof values.out !== 'string') {
    throw new UsageError('train needs --data <dir> and --out <model dir>');
  }
  const frozenEncoder = values['freeze-encoder'] === true;
  const changeLayer = values['change-layer'] === true;
  if (changeLayer && !frozenEncoder) {
    throw new UsageError('--change-layer is designed from embeddings: it needs --freeze-encoder');
  }
  const validation =
    optionalNumber(values, 'validation', { min: 0, exclusive: true }) ?? DEFAULTS.validation;
  if (validation >= 1)
    throw new UsageError(`validation must be a fraction below 1, got ${validation}`);
  const annotations = await readAnnotations(join(values.data, LABELS_CSV));
  await useBackend(
    trainingBackend(parseBackend(values.backend as string | undefined), frozenEncoder),
  );
  const seed = optionalInteger(values, 'seed', 0) ?? DEFAULTS.seed;
  const model =
    typeof values.init === 'string'
      ? await loadModel(values.init, { fold: false })
      : newModel(values, annotations.classes.length, seed, changeLayer);
  const window = optionalInteger(values, 'window', 1) ?? model.defaultWindow;
  const fps = optionalNumber(values, 'fps', { min: 0, exclusive: true });
  const spliceWindows = optionalInteger(values, 'splice-windows', 1);
  const balance = optionalNumber(values, 'balance', { min: 0, exclusive: false });
  const shiftAugment = optionalNumber(values, 'shift-augment', { min: 0, exclusive: false });
  if (shiftAugment !== undefined && shiftAugment > 0 && !frozenEncoder) {
    throw new UsageError('--shift-augment shifts embeddings: it needs --freeze-encoder');
  }
  try {
    const report = await trainOnDataset(model, {
      dataDir: values.data,
      outDir: values.out,
      annotations,
      window,
      stride: optionalInteger(values, 'stride', 1) ?? DEFAULTS.stride,
      ...(fps === undefined ? {} : { fps }),
      epochs: optionalInteger(values, 'epochs', 1) ?? DEFAULTS.epochs,
      batchSize: optionalInteger(values, 'batch-size', 1) ?? DEFAULTS.batchSize,
      learningRate:
        optionalNumber(values, 'learning-rate', { min: 0, exclusive: true }) ??
        DEFAULTS.learningRate,
      patience: optionalInteger(values, 'patience', 1) ?? DEFAULTS.patience,
      validationFraction: validation,
      frozenEncoder,
      seed,
      ...(typeof values.splice === 'string' ? { splice: values.splice } : {}),
      ...(spliceWindows === undefined ? {} : { spliceWindows }),
      ...(balance === undefined ? {} : { balance }),
      ...(shiftAugment === undefined ? {} : { shiftAugment }),
      ...(changeLayer ? { changeLayer } : {}),
      onProgress: (line) => io.stderr.write(`${line}\n`),
    });
    io.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  } finally {
    model.dispose();
  }
}

function newModel(
  values: Readonly<Record<string, string | boolean | undefined>>,
  classes: number,
  seed: number,
  changeLayer: boolean,
) {
  const size = optionalInteger(values, 'size', 8) ?? DEFAULTS.size;
  const timeSteps = optionalInteger(values, 'window', 1) ?? DEFAULTS.window;
  return prepareModel(
    buildSeedModel({ timeSteps, height: size, width: size, classes, seed, changeLayer }),
    {},
    'a new seed model',
    // Training changes BatchNorm statistics and head weights: a folded copy would go stale.
    { fold: false },
  );
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
