import type { ActiveBackend } from '../model/run/backend.js';
import { EncoderPool } from '../model/run/encoder-pool.js';
import { DEFAULT_THREADS } from '../options/engine-options.js';

/** What {@link startEncoderThreads} starts. */
export interface EncoderThreadsOptions {
  /** `--threads`; undefined takes the default for the backend. */
  readonly threads: number | undefined;
  readonly backend: ActiveBackend;
  /** The model's directory or URL. */
  readonly location: string;
  /** The run's encoder batch, which each thread warms up with. */
  readonly batch: number;
  /** Hears of a thread that died, and whether another took its place. */
  readonly onThreadDeath?: (message: string, replaced: boolean) => void;
}

/**
 * Starts the encoder threads `--threads` asks for; undefined for 0 (the model's encoder then
 * runs on the main thread). tfjs-node (`tensorflow`) runs its own thread pool, so by default
 * it gets none.
 */
export async function startEncoderThreads(
  options: EncoderThreadsOptions,
): Promise<EncoderPool | undefined> {
  const { backend, location, batch, onThreadDeath } = options;
  const threads = options.threads ?? (backend === 'tensorflow' ? 0 : DEFAULT_THREADS);
  if (threads === 0) return undefined;
  return EncoderPool.start({
    location,
    threads,
    backend,
    warmUpFrames: batch,
    ...(onThreadDeath === undefined ? {} : { onThreadDeath }),
  });
}
