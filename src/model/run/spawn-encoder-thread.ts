import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EncoderError, ModelError } from '../../errors.js';
import { packageRoot } from '../load/bundled-model.js';
import type { EncoderThreadData, EncoderThreadStart } from './encoder-messages.js';

/** The compiled thread entry: worker threads run JavaScript, also under the test runner. */
export const THREAD_SCRIPT = join(packageRoot(), 'dist', 'src', 'model', 'encoder-thread.js');

/** A new thread loading the model; `ready` resolves with its embedding size. */
export function spawnEncoderThread(data: EncoderThreadData): {
  worker: Worker;
  ready: Promise<number>;
} {
  const worker = new Worker(THREAD_SCRIPT, { workerData: data });
  const ready = new Promise<number>((resolve, reject) => {
    worker.once('message', (message: EncoderThreadStart) =>
      message.ready
        ? resolve(message.embeddingSize)
        : reject(new ModelError('FW_ERR_MODEL_INVALID', message.error)),
    );
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new EncoderError(`the thread exited with code ${code}`)));
  });
  // Marked handled: a pool closed while a thread starts never awaits it.
  ready.catch(() => undefined);
  return { worker, ready };
}
