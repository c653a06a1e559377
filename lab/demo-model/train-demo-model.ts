/**
 * Trains a candidate for the bundled demo model, a hard-cut detector, reproducibly:
 * `npm run lab:demo-model -- [--out <dir>] [--head change|plain] [--heldout] [--confirm]`
 * (`npm run build:tools`, then `node dist/lab/demo-model/train-demo-model.js …`). It writes to
 * `.cache/demo-candidate` unless `--out` is given: models/demo is replaced by hand, and only by
 * a candidate that beats the shipped model on the held-out set. With the defaults it rebuilds
 * models/demo byte for byte.
 *
 * 1. Renders seeded synthetic sets: lavfi shots (and two procedural textures) joined by hard
 *    cuts, with camera motion, colour drift and noise inside shots, labeled `cut` / `same shot`.
 * 2. Validation sets, what design decisions are measured on: `validation` (training sources,
 *    another seed) and `val-unseen-bars` (two bar patterns that `train-5src`, the five other
 *    training sources, never shows: `--train train-5src` or `train-5src-tex` measures
 *    generalisation to unseen sources). The held-out sets (other sources and settings, six
 *    seeds) are evaluated only with `--heldout`; three more seeds are kept back for `--confirm`.
 * 3. Builds the seed architecture (99×99, N=4) with its encoder set to the designed
 *    colour-and-texture histogram descriptor (see `setHistogramEncoder`), or with its seeded
 *    random weights (`--encoder random`); its head starts with a frozen change detector in front
 *    of the LSTM (`buildChangeLayerModel`), or without one (`--head plain`).
 * 4. Trains it as `framewise train --init <that model> --freeze-encoder --balance 0` does, with
 *    the library's training hooks: BatchNorm statistics calibrated on training frames, the
 *    change layer designed on the training embeddings (`designChangeLayer`), the LSTM head
 *    trained on real and spliced cut windows (`spliceAugmentation`; `--no-splice`), each shifted
 *    by a fresh random offset every epoch (`shiftAugmentation`; `--shift <f>`).
 * 5. `framewise evaluate` on the validation (and held-out) sets: precision and recall of cut
 *    events (±0.5 s).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { useBackend } from '../../src/model/run/backend.js';
import { packageRoot } from '../../src/model/load/bundled-model.js';
import { FRAMEWISE_JSON } from '../../src/model/load/framewise-config.js';
import { loadModel } from '../../src/model/load-model.js';
import { saveModelToDirectory } from '../../src/model/load/model-files.js';
import { LABELS_CSV, readAnnotations } from '../../src/train/annotations.js';
import { buildSeedModel } from '../../src/train/seed-model.js';
import { trainOnDataset } from '../../src/train/train-dataset.js';
import type { TrainingHooks } from '../../src/train/training-hooks.js';
import { buildChangeLayerModel, designChangeLayer } from './change-layer-model.js';
import { CUT, makeCutDataset, SAME_SHOT, type CutDatasetOptions } from './cut-dataset.js';
import { setHistogramEncoder } from './histogram-encoder.js';
import { shiftAugmentation } from './shift-windows.js';
import { spliceAugmentation } from './splice-windows.js';

const root = packageRoot();
/** Chosen on the validation sets (see docs/lab/demo-model.md). */
const DEFAULTS = {
  train: 'train-v2',
  encoder: 'histogram',
  head: 'change',
  shift: '1',
} as const;
const { values } = parseArgs({
  options: {
    // Never models/demo unless asked: a candidate is copied there only if it beats the shipped model.
    out: { type: 'string' },
    data: { type: 'string' },
    train: { type: 'string', default: DEFAULTS.train },
    encoder: { type: 'string', default: DEFAULTS.encoder },
    shift: { type: 'string', default: DEFAULTS.shift },
    'no-splice': { type: 'boolean', default: false },
    head: { type: 'string', default: DEFAULTS.head },
    heldout: { type: 'boolean', default: false },
    confirm: { type: 'boolean', default: false },
  },
});
const out = values.out ?? join(root, '.cache', 'demo-candidate');
const data = values.data ?? join(root, '.cache', 'cut-data');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
if (values.encoder !== 'histogram' && values.encoder !== 'random') {
  throw new Error(`--encoder must be histogram or random, got ${values.encoder}`);
}
if (values.head !== 'change' && values.head !== 'plain') {
  throw new Error(`--head must be change or plain, got ${values.head}`);
}
const shift = Number(values.shift);
if (!(shift >= 0)) throw new Error(`--shift must be a number >= 0, got ${values.shift}`);

const common = { fps: 25, window: 4 } as const;
/** Class-weight exponent of training (see `framewise train --balance`), chosen on the validation set. */
const BALANCE = 0;
/** Seed of the split, the training order, the spliced windows and the shifts. */
const SEED = 1;
const trainingSources = [
  'testsrc2',
  'mandelbrot',
  'life',
  'rgbtestsrc',
  'smptebars',
  'pal75bars',
  'color',
] as const;
// More and shorter shots than before: more cuts per rendered second. Pans as fast and noise
// as strong as the evaluation sets' (a fast pan over colour bars is the hardest non-cut).
const trainV2 = {
  ...common,
  videos: 200,
  seed: 1,
  shots: [4, 8],
  shotFrames: [12, 60],
  sources: trainingSources,
  variation: { panSpeed: 6, hueDrift: 60, noise: [0, 45] },
} as const satisfies Omit<CutDatasetOptions, 'dir'>;
// A rendered set is reused when its directory exists: a set's name changes with its definition.
const sets: Record<string, Omit<CutDatasetOptions, 'dir'>> = {
  'train-v2': trainV2,
  // train-v2's sources and two procedural textures (plasma waves, blurred grain), for more
  // kinds of shot than the lavfi patterns alone: what a cut is should not be learnt from seven
  // patterns' colours.
  'train-v3': {
    ...common,
    videos: 240,
    seed: 1,
    shots: [4, 8],
    shotFrames: [12, 60],
    sources: [...trainingSources, 'plasma', 'grain-blobs'],
    variation: { panSpeed: 6, hueDrift: 60, noise: [0, 45] },
  },
  // train-v2 with each shot's contrast, brightness and saturation drawn at random: colours the
  // seven sources never have, so that the head does not take unseen tones for a cut.
  'train-v4': {
    ...trainV2,
    variation: {
      ...trainV2.variation,
      tone: { contrast: [0.7, 1.3], brightness: [-0.15, 0.15], saturation: [0.5, 1.5] },
    },
  },
  // Leave-two-sources-out: train on five sources, validate on the two bar patterns left out.
  // This is what shows a head that reacts to absolute colours it never saw (as the held-out
  // set's bar patterns do) without looking at the held-out set.
  'train-5src': {
    ...common,
    videos: 140,
    seed: 1,
    shots: [4, 8],
    shotFrames: [12, 60],
    sources: ['testsrc2', 'mandelbrot', 'life', 'rgbtestsrc', 'color'],
    variation: { panSpeed: 6, hueDrift: 60, noise: [0, 45] },
  },
  // train-5src with the two textures (as many videos per kind of shot): do more kinds of shot
  // make the head generalise to the bar patterns it never saw?
  'train-5src-tex': {
    ...common,
    videos: 196,
    seed: 1,
    shots: [4, 8],
    shotFrames: [12, 60],
    sources: ['testsrc2', 'mandelbrot', 'life', 'rgbtestsrc', 'color', 'plasma', 'grain-blobs'],
    variation: { panSpeed: 6, hueDrift: 60, noise: [0, 45] },
  },
  'val-unseen-bars': {
    ...common,
    videos: 30,
    seed: 3,
    shots: [3, 6],
    shotFrames: [20, 90],
    sources: ['smptebars', 'pal75bars'],
    variation: { panSpeed: 5, hueDrift: 50, noise: [10, 45] },
  },
  // Training sources, held-out-strength variation.
  validation: {
    ...common,
    videos: 30,
    seed: 3,
    shots: [3, 6],
    shotFrames: [20, 90],
    sources: trainingSources,
    variation: { panSpeed: 5, hueDrift: 50, noise: [10, 45] },
  },
  // Sources and settings the model never saw: other patterns, faster motion, more noise.
  heldout: {
    ...common,
    videos: 20,
    seed: 2,
    shots: [3, 6],
    shotFrames: [20, 90],
    sources: ['cellauto', 'testsrc', 'smptehdbars', 'yuvtestsrc', 'pal100bars'],
    variation: { panSpeed: 5, hueDrift: 50, noise: [10, 45] },
  },
  // The same definition, other seeds: `heldout` had been evaluated three times (once per
  // candidate) when the pooling grid came; `heldout-b` then decided on two candidates (the
  // bundled model stayed); `heldout-c` has been evaluated once, on the bundled model.
  'heldout-b': {
    ...common,
    videos: 20,
    seed: 5,
    shots: [3, 6],
    shotFrames: [20, 90],
    sources: ['cellauto', 'testsrc', 'smptehdbars', 'yuvtestsrc', 'pal100bars'],
    variation: { panSpeed: 5, hueDrift: 50, noise: [10, 45] },
  },
  'heldout-c': {
    ...common,
    videos: 20,
    seed: 8,
    shots: [3, 6],
    shotFrames: [20, 90],
    sources: ['cellauto', 'testsrc', 'smptehdbars', 'yuvtestsrc', 'pal100bars'],
    variation: { panSpeed: 5, hueDrift: 50, noise: [10, 45] },
  },
  // Three more seeds, rendered after `--min-gap` and a lower threshold had been chosen on the
  // validation sets, to judge both on sets no decision had seen.
  ...Object.fromEntries(
    (
      [
        ['heldout-d', 11],
        ['heldout-e', 14],
        ['heldout-f', 17],
        // Reserved: evaluated only with --confirm, once, on a candidate that beat the bundled
        // model on the six sets above.
        ['heldout-g', 20],
        ['heldout-h', 23],
        ['heldout-i', 26],
      ] as const
    ).map(([name, seed]) => [
      name,
      {
        ...common,
        videos: 20,
        seed,
        shots: [3, 6] as const,
        shotFrames: [20, 90] as const,
        sources: ['cellauto', 'testsrc', 'smptehdbars', 'yuvtestsrc', 'pal100bars'],
        variation: { panSpeed: 5, hueDrift: 50, noise: [10, 45] as const },
      },
    ]),
  ),
};
const train = values.train;
if (!(train in sets)) throw new Error(`--train must name a set (${Object.keys(sets).join(', ')})`);
const evaluated = [
  ...(train.startsWith('train-5src') ? ['val-unseen-bars'] : ['validation', 'val-unseen-bars']),
  ...(values.heldout
    ? ['heldout', 'heldout-b', 'heldout-c', 'heldout-d', 'heldout-e', 'heldout-f']
    : []),
  ...(values.confirm ? ['heldout-g', 'heldout-h', 'heldout-i'] : []),
];
for (const name of [train, ...evaluated]) {
  const options = sets[name]!;
  const dir = join(data, name);
  if (existsSync(join(dir, LABELS_CSV))) continue;
  process.stderr.write(`rendering the ${name} set (${options.videos} videos) in ${dir} …\n`);
  await makeCutDataset({ dir, ...options });
}

function framewise(args: string[]): string {
  process.stderr.write(`$ framewise ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, [cli, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`framewise ${args[0]} failed with status ${result.status}`);
  return result.stdout;
}

// The seed architecture, with the designed histogram encoder or its seeded random one; the head
// keeps its seeded weights. Built on cpu, as models/demo's was: the orthogonal initialiser
// computes on the backend, and other kernels round differently.
const changeLayer = values.head === 'change';
const init = join(data, `init-model-${values.encoder}${changeLayer ? '-change-layer' : ''}`);
await useBackend('cpu');
const model = changeLayer ? buildChangeLayerModel({ seed: SEED }) : buildSeedModel({ seed: SEED });
if (values.encoder === 'histogram') setHistogramEncoder(model);
await saveModelToDirectory(model, init);
model.dispose();
const config = { classNames: [CUT, SAME_SHOT].sort(), window: common.window };
await writeFile(join(init, FRAMEWISE_JSON), `${JSON.stringify(config, null, 2)}\n`);

// Trained as `framewise train --init <init> --freeze-encoder` trains: on the backend it picks,
// on the model as loaded from disk (initialisers dropped, as its model.json then shows), with
// its defaults, and with this recipe's hooks.
await useBackend('auto');
const trainDir = join(data, train);
const hooks: TrainingHooks = {
  ...(changeLayer
    ? {
        prepareHead: (loaded, windows) => {
          designChangeLayer(loaded, windows);
          process.stderr.write(
            `designed the change layer from ${windows.examples.labels.length} windows\n`,
          );
        },
      }
    : {}),
  ...(values['no-splice'] ? {} : { augment: spliceAugmentation({ label: CUT, seed: SEED }) }),
  augmentEpoch: shiftAugmentation(shift, SEED),
};
const trainee = await loadModel(init, { fold: false });
try {
  const report = await trainOnDataset(trainee, {
    dataDir: trainDir,
    outDir: out,
    annotations: await readAnnotations(join(trainDir, LABELS_CSV)),
    window: trainee.defaultWindow,
    stride: 1,
    epochs: 60,
    batchSize: 32,
    learningRate: 0.003,
    patience: 8,
    validationFraction: 0.2,
    frozenEncoder: true,
    seed: SEED,
    balance: BALANCE,
    hooks,
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  trainee.dispose();
}
for (const set of evaluated) {
  process.stdout.write(`${set}: `);
  process.stdout.write(framewise(['evaluate', '--data', join(data, set), '--model', out]));
}
