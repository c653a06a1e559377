import { copyFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { FRAMEWISE_JSON } from '../model/load/framewise-config.js';
import { isKerasFile } from '../model/load/keras-file.js';
import { saveModelToDirectory } from '../model/load/model-files.js';
import { loadModel, readKerasModel } from '../model/load-model.js';
import { useBackend } from '../model/run/backend.js';
import { formatHelp, parseCommandLine } from '../options/command-line.js';
import type { CommandIo } from './command-io.js';
import { CONVERT_COMMAND } from './command-specs.js';

/** Runs `framewise convert`; resolves with the exit status. */
export async function convertCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { positionals, help } = parseCommandLine(CONVERT_COMMAND, args, io.env);
  if (help) {
    io.stdout.write(formatHelp(CONVERT_COMMAND));
    return 0;
  }
  const [input, output] = positionals;
  if (positionals.length !== 2 || input === undefined || output === undefined) {
    throw new UsageError(
      'convert takes a Keras file and a directory: framewise convert <model.keras|model.h5> <dir>',
    );
  }
  if (!isKerasFile(input)) {
    throw new UsageError(`convert reads .keras and .h5 files, got ${JSON.stringify(input)}`);
  }
  const out = resolve(output);
  const existing = await readdir(out).catch(() => []);
  if (existing.length > 0) {
    throw new UsageError(`${out} is not empty: give convert a new or empty directory`);
  }
  await useBackend('auto');
  const model = await readKerasModel(input);
  try {
    await saveModelToDirectory(model, out);
  } finally {
    model.dispose();
  }
  if (!/^https?:\/\//i.test(input)) {
    const local = resolve(input.startsWith('file:') ? fileURLToPath(input) : input);
    await copyFile(join(dirname(local), FRAMEWISE_JSON), join(out, FRAMEWISE_JSON)).catch(
      () => undefined,
    );
  }
  // What was written loads as framewise loads any model directory.
  const loaded = await loadModel(out, { fold: false });
  try {
    io.stdout.write(
      `${JSON.stringify({ model: out, layers: loaded.model.layers.length, weights: loaded.model.weights.length })}\n`,
    );
  } finally {
    loaded.dispose();
  }
  return 0;
}
