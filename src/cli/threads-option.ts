import { availableParallelism } from 'node:os';
import { optionalInteger } from '../options/option-values.js';
import type { ActiveBackend } from '../model/run/backend.js';
import { EncoderPool } from '../model/run/encoder-pool.js';
import type { OptionSpec } from './parse-command-line.js';

/**
 * Encoder threads when `--threads` is not given, on the wasm and cpu backends: one core fewer
 * than the machine has, at least one. ffmpeg decodes on a core of its own, and more threads than
 * cores only take turns: measured on 2 cores, 240p labels at 590 frames/s with the encoder on
 * the main thread, 710 with one thread and 600 with two (`npm run bench` has the figures).
 * tfjs-node (`tensorflow`) runs its own thread pool, so it gets none.
 */
export const DEFAULT_THREADS = Math.max(1, availableParallelism() - 1);

/** `--threads`, shared by `label` and `worker`. */
export const THREADS_OPTION: Readonly<Record<string, OptionSpec>> = {
  threads: {
    type: 'string',
    valueName: '<n>',
    help: `encoder (CNN) threads; 0 encodes on the main thread [cores - 1 (${DEFAULT_THREADS} here), 0 with the tensorflow backend]`,
  },
};

/**
 * Starts the encoder threads `--threads` asks for, on `backend`; undefined for 0 (the model's
 * encoder then runs on the main thread). `onThreadDeath` hears of a thread that died.
 */
export async function startEncoderThreads(
  values: Readonly<Record<string, string | boolean | undefined>>,
  backend: ActiveBackend,
  location: string,
  onThreadDeath?: (message: string, replaced: boolean) => void,
): Promise<EncoderPool | undefined> {
  const threads =
    optionalInteger(values, 'threads', 0) ?? (backend === 'tensorflow' ? 0 : DEFAULT_THREADS);
  if (threads === 0) return undefined;
  return EncoderPool.start({
    location,
    threads,
    backend,
    ...(onThreadDeath === undefined ? {} : { onThreadDeath }),
  });
}
