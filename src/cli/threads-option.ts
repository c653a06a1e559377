import { optionalInteger } from '../config/option-values.js';
import type { ActiveBackend } from '../model/backend.js';
import { EncoderPool } from '../model/encoder-pool.js';
import type { OptionSpec } from './parse-command-line.js';

/**
 * Encoder threads when `--threads` is not given, on the wasm and cpu backends: two, the cores
 * of this project's machine type (decoding runs in ffmpeg's own process beside them).
 * tfjs-node (`tensorflow`) runs its own thread pool, so it gets none.
 */
export const DEFAULT_THREADS = 2;

/** `--threads`, shared by `label` and `worker`. */
export const THREADS_OPTION: Readonly<Record<string, OptionSpec>> = {
  threads: {
    type: 'string',
    valueName: '<n>',
    help: `encoder (CNN) threads; 0 encodes on the main thread [${DEFAULT_THREADS}, 0 with the tensorflow backend]`,
  },
};

/**
 * Starts the encoder threads `--threads` asks for, on `backend`; undefined for 0 (the model's
 * encoder then runs on the main thread).
 */
export async function startEncoderThreads(
  values: Readonly<Record<string, string | boolean | undefined>>,
  backend: ActiveBackend,
  location: string,
): Promise<EncoderPool | undefined> {
  const threads =
    optionalInteger(values, 'threads', 0) ?? (backend === 'tensorflow' ? 0 : DEFAULT_THREADS);
  if (threads === 0) return undefined;
  return EncoderPool.start({ location, threads, backend });
}
