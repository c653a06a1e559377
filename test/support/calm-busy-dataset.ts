import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS_CSV } from '../../src/train/annotations.js';
import { SeededRandom } from '../../src/train/seeded-random.js';
import { renderShots } from './render-shots.js';

/**
 * A small balanced training set in a new temporary folder: each video (64×48, 10 fps, 4 s) is
 * a still colour shot with noise ("calm") and a Game of Life shot ("busy"), in random order,
 * annotated in labels.csv; chance is 0.5. Seeded: the same count gives the same videos.
 */
export async function makeCalmBusyDataset(videos: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'framewise-calm-busy-'));
  const random = new SeededRandom(7);
  const rows = ['video,start,end,label'];
  for (let v = 0; v < videos; v++) {
    const calm = {
      source: `color=c=0x${random.colour()}`,
      seconds: 2,
      filters: 'noise=alls=10:allf=t',
    };
    const busy = {
      source: `life=seed=${random.integer(0, 1000)}:ratio=0.3:life_color=#${random.colour()}`,
      seconds: 2,
    };
    const calmFirst = random.next() < 0.5;
    const name = `v${v}.mp4`;
    await renderShots({
      out: join(dir, name),
      width: 64,
      height: 48,
      fps: 10,
      shots: calmFirst ? [calm, busy] : [busy, calm],
    });
    rows.push(
      `${name},0,2,${calmFirst ? 'calm' : 'busy'}`,
      `${name},2,4,${calmFirst ? 'busy' : 'calm'}`,
    );
  }
  await writeFile(join(dir, LABELS_CSV), `${rows.join('\n')}\n`);
  return dir;
}
