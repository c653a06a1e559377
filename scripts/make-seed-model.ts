/**
 * Writes the seed architecture with fixed, seeded random weights to a model directory:
 * `npm run build:tools && node dist/scripts/make-seed-model.js <dir>`. It is the bundled stand-in model until the
 * trained cut detector replaces it, and the benchmark's model.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useBackend } from '../src/model/run/backend.js';
import { FRAMEWISE_JSON } from '../src/model/load/framewise-config.js';
import { saveModelToDirectory } from '../src/model/load/model-files.js';
import { buildSeedModel } from '../src/train/seed-model.js';

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: node dist/scripts/make-seed-model.js <model dir>\n');
  process.exit(2);
}
await useBackend('cpu');
const model = buildSeedModel({ seed: 1 });
await saveModelToDirectory(model, dir);
await writeFile(join(dir, FRAMEWISE_JSON), `${JSON.stringify({ window: 4 }, null, 2)}\n`);
process.stderr.write(`wrote the seed model (untrained, seed 1) to ${dir}\n`);
