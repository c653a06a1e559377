import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { FRAMEWISE_JSON } from '../model/load/framewise-config.js';
import { isKerasFile } from '../model/load/keras-file.js';
import { saveModelToDirectory } from '../model/load/model-files.js';
import { loadModel, readKerasModel } from '../model/load-model.js';
import { openModel } from '../model/open-model.js';
import { saveOnnxModel } from '../model/save-onnx-model.js';
import { useBackend } from '../model/run/backend.js';
import { formatHelp, parseCommandLine } from '../options/command-line.js';
import type { CommandIo } from './command-io.js';
import { CONVERT_COMMAND } from './command-specs.js';

/** Runs `framewise convert`; resolves with the exit status. */
export async function convertCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { options, positionals, help } = parseCommandLine(CONVERT_COMMAND, args, io.env);
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
  if (!isKerasFile(input) && options.to === 'tfjs') {
    throw new UsageError(
      `convert reads .keras and .h5 files (and, with --to onnx, TensorFlow.js model directories), got ${JSON.stringify(input)}`,
    );
  }
  const out = resolve(output);
  const existing = await readdir(out).catch(() => undefined);
  if (existing !== undefined && existing.length > 0) {
    throw new UsageError(`${out} is not empty: give convert a new or empty directory`);
  }
  await useBackend('auto');
  let summary: object;
  try {
    summary = options.to === 'onnx' ? await toOnnx(input, out) : await toTfjs(input, out);
  } catch (error) {
    // Leave the directory as it was found (missing or empty): a retry must not meet a half.
    await rm(out, { recursive: true, force: true });
    if (existing !== undefined) await mkdir(out);
    throw error;
  }
  io.stdout.write(`${JSON.stringify({ model: out, format: options.to, ...summary })}\n`);
  return 0;
}

/** Writes the TensorFlow.js Layers form and checks that it loads as any model directory. */
async function toTfjs(input: string, out: string): Promise<object> {
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
  const loaded = await loadModel(out, { fold: false });
  try {
    return { layers: loaded.model.layers.length, weights: loaded.model.weights.length };
  } finally {
    loaded.dispose();
  }
}

/** Writes the ONNX model directory and checks that ONNX Runtime loads it as framewise does. */
async function toOnnx(input: string, out: string): Promise<object> {
  const loaded = await loadModel(input);
  let saved;
  try {
    saved = await saveOnnxModel(loaded, out);
  } finally {
    loaded.dispose();
  }
  const opened = await openModel(out, { threads: 1 });
  opened.model.dispose();
  return { embeddingSize: saved.embeddingSize, stateful: saved.states > 0 };
}
