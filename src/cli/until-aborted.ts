import { AbortError } from '../errors.js';

/**
 * Waits for `work` unless `signal` fires first (SIGINT/SIGTERM while a model loads from a URL
 * that does not answer, or warms up): then rejects at once with an {@link AbortError}, so the
 * command ends when told to. What `work` gives later is handed to `discard` (a model to free).
 */
export function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal,
  discard: (late: T) => void = () => undefined,
): Promise<T> {
  if (signal.aborted) {
    void work.then(discard, () => undefined);
    return Promise.reject(new AbortError('interrupted', { cause: signal.reason }));
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      settled = true;
      reject(new AbortError('interrupted', { cause: signal.reason }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (settled) discard(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!settled) reject(error);
      },
    );
  });
}
