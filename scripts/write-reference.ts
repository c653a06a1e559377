/**
 * `npm run reference`: writes docs/cli.md and schema/video-job.schema.json from the option
 * schema (src/options/). Run it after changing an option; the test suite checks they are current.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { packageRoot } from '../src/model/load/bundled-model.js';
import { referenceFiles } from './reference/reference-files.js';

const root = packageRoot();
for (const [path, content] of Object.entries(await referenceFiles())) {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
  process.stderr.write(`wrote ${path}\n`);
}
