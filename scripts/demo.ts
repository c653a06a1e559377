/**
 * `npm run demo`: renders a short video of synthetic shots joined by hard cuts and labels it
 * with the bundled model, as a person would run framewise for the first time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/model/bundled-model.js';
import { renderShots } from '../src/synth/render-shots.js';

const root = packageRoot();
const video = join(root, '.cache', 'demo', 'demo.mp4');
if (!existsSync(video)) {
  process.stderr.write(`rendering the demo video ${video} …\n`);
  await renderShots({
    out: video,
    width: 320,
    height: 240,
    fps: 25,
    shots: [
      { source: 'testsrc2', seconds: 3 },
      { source: 'mandelbrot', seconds: 3 },
      { source: 'smptehdbars', seconds: 2 },
      { source: 'life=mold=10:ratio=0.5:life_color=#00ff00', seconds: 3 },
      { source: 'cellauto=rule=110', seconds: 2 },
    ],
  });
}
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const args = ['label', video, '--format', 'pretty', '--stats', ...process.argv.slice(2)];
process.stderr.write(`$ framewise ${args.join(' ')}\n`);
const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
process.exitCode = result.status ?? 1;
