/**
 * `npm run demo`: renders a short synthetic video of shots joined by hard cuts (camera motion,
 * colour drift and noise inside the shots) and labels it with the bundled cut detector, as a
 * person would run framewise for the first time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../src/model/load/bundled-model.js';
import { LABELS_CSV } from '../src/train/annotations.js';
import { CUT, makeCutDataset } from '../lab/demo-model/cut-dataset.js';

const root = packageRoot();
const dir = join(root, '.cache', 'demo');
const video = join(dir, 'video-000.mp4');
if (!existsSync(join(dir, LABELS_CSV))) {
  process.stderr.write(`rendering a demo video in ${dir} …\n`);
  await makeCutDataset({
    dir,
    videos: 1,
    seed: 2026,
    sources: ['testsrc', 'mandelbrot', 'smptehdbars', 'life', 'color', 'yuvtestsrc'],
    variation: { panSpeed: 3, hueDrift: 40, noise: [0, 30] },
    fps: 25,
    window: 4,
    shots: [6, 6],
    shotFrames: [40, 80],
  });
}
const cuts = (await readFile(join(dir, LABELS_CSV), 'utf8'))
  .split('\n')
  .filter((row) => row.endsWith(`,${CUT}`))
  .map((row) => Number(row.split(',')[1]).toFixed(2));
process.stderr.write(`the video's hard cuts are at ${cuts.join(', ')} s\n`);
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const args = ['label', video, '--format', 'pretty', '--stats', ...process.argv.slice(2)];
process.stderr.write(`$ framewise ${args.join(' ')}\n`);
const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
process.exitCode = result.status ?? 1;
