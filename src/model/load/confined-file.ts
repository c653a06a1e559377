import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { ModelError } from '../../errors.js';

/** Largest model file read (a weight shard, an ONNX model): far above any backbone's 100 MiB. */
export const MAX_MODEL_FILE_BYTES = 2 * 1024 ** 3;

/**
 * The real path of `path` (relative to `dir`), refused when it is not a regular file inside
 * `dir` once links are followed: a model directory's files are data, and must not make
 * framewise read a file elsewhere (`../`, an absolute path, a symlink out of the directory), nor
 * one larger than {@link MAX_MODEL_FILE_BYTES}.
 *
 * @param what - What the file is, for messages (`weights path "…" in model.json`).
 * @throws {@link ModelError} `FW_ERR_MODEL_INVALID` naming the file and what is wrong.
 */
export async function confinedFile(dir: string, path: string, what: string): Promise<string> {
  const lexical = resolve(dir, path);
  const leaves = (from: string, to: string) => {
    const rel = relative(from, to);
    return rel.startsWith('..') || isAbsolute(rel);
  };
  if (leaves(resolve(dir), lexical)) {
    throw new ModelError('FW_ERR_MODEL_INVALID', `${what} leaves the model directory ${dir}`);
  }
  let real: string;
  let realDir: string;
  try {
    [real, realDir] = await Promise.all([realpath(lexical), realpath(dir)]);
  } catch (error) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `${what} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): copy every file the model needs next to its description`,
      { cause: error },
    );
  }
  if (leaves(realDir, real)) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `${what} is a link to ${real}, outside the model directory ${dir}; copy the file into the directory`,
    );
  }
  const info = await stat(real);
  if (!info.isFile()) {
    throw new ModelError('FW_ERR_MODEL_INVALID', `${what} is not a regular file`);
  }
  if (info.size > MAX_MODEL_FILE_BYTES) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `${what} is ${info.size} bytes; framewise reads model files of at most ${MAX_MODEL_FILE_BYTES}`,
    );
  }
  return real;
}
