/**
 * Trains the bundled demo model, a hard-cut detector, reproducibly:
 * `npm run build && node dist/scripts/train-demo-model.js [--out models/demo]`.
 *
 * 1. Renders a seeded synthetic training set: lavfi shots joined by hard cuts, with camera
 *    motion, colour drift and noise inside shots, labeled `cut` / `same shot`.
 * 2. Renders a held-out set from sources and settings not used in training.
 * 3. `framewise train --freeze-encoder` on the training set (seed architecture, 99×99, N=4).
 * 4. `framewise evaluate` on the held-out set: precision and recall of cut events (±0.5 s).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/model/bundled-model.js';
import { LABELS_CSV, makeCutDataset, type CutDatasetOptions } from '../src/synth/cut-dataset.js';

const root = packageRoot();
const { values } = parseArgs({ options: { out: { type: 'string' }, data: { type: 'string' } } });
const out = values.out ?? join(root, 'models', 'demo');
const data = values.data ?? join(root, '.cache', 'cut-data');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

const common = { fps: 25, window: 4 } as const;
const sets: Record<string, Omit<CutDatasetOptions, 'dir'>> = {
  train: {
    ...common,
    videos: 120,
    seed: 1,
    shots: [3, 6],
    shotFrames: [20, 90],
    sources: ['testsrc2', 'mandelbrot', 'life', 'rgbtestsrc', 'smptebars', 'pal75bars', 'color'],
    variation: { panSpeed: 4, hueDrift: 60, noise: [0, 35] },
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
};
for (const [name, options] of Object.entries(sets)) {
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

process.stdout.write(
  framewise([
    'train',
    '--data',
    join(data, 'train'),
    '--out',
    out,
    '--freeze-encoder',
    '--seed',
    '1',
    '--epochs',
    '60',
    '--patience',
    '8',
  ]),
);
process.stdout.write(framewise(['evaluate', '--data', join(data, 'heldout'), '--model', out]));
