import { availableParallelism } from 'node:os';
import { BACKEND_NAMES } from '../model/run/backend.js';
import { choice, integer, text } from './option.js';

/**
 * Encoder threads when `--threads` is not given, on the wasm and cpu backends: one core fewer
 * than the machine has, at least one. ffmpeg decodes on a core of its own, and more threads
 * than cores only take turns (`docs/performance.md` has the measurements). tfjs-node
 * (`tensorflow`) runs its own thread pool, so it gets none.
 */
export const DEFAULT_THREADS = Math.max(1, availableParallelism() - 1);

/** Which model runs, and on what: shared by `label`, `worker` and `evaluate`. */
export const MODEL_OPTION = {
  model: text('model', {
    valueName: '<dir|URL>',
    help: 'TensorFlow.js Layers model: a directory with model.json and weights, or the URL of a model.json',
    defaultText: 'the bundled demo model',
  }),
};

/** The TensorFlow.js backend. */
export const BACKEND_OPTION = {
  backend: choice('backend', BACKEND_NAMES, {
    default: 'auto',
    help: 'TensorFlow.js backend; auto: tensorflow (tfjs-node) if installed, else wasm, else cpu',
  }),
};

/** Encoder threads of a process that labels (`label`, `worker`). */
export const THREADS_OPTION = {
  threads: integer('threads', {
    min: 0,
    valueName: '<n>',
    help: 'encoder (CNN) threads, each with its own copy of the model; 0 encodes on the main thread',
    defaultText: 'cores - 1, at least 1; 0 with the tensorflow backend',
  }),
};
