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

/** Every accepted `--engine`: what runs the per-frame encoder. */
export const ENGINE_NAMES = ['auto', 'onnx', 'tfjs'] as const;
/** An inference engine as `--engine` names it. */
export type EngineName = (typeof ENGINE_NAMES)[number];
/** Every accepted `--device`: where the encoder computes. */
export const DEVICE_NAMES = ['cpu', 'cuda'] as const;
/** A device as `--device` names it. */
export type DeviceName = (typeof DEVICE_NAMES)[number];

/**
 * ONNX Runtime's intra-op threads when `--threads` is not given: every core. A run computes on
 * ONNX Runtime's own threads, off the event loop; ffmpeg and the main thread take their share
 * of the cores meanwhile (`docs/performance.md` has the measurements).
 */
export const DEFAULT_ONNX_THREADS = availableParallelism();

/** Which model runs, and on what: shared by `label`, `worker` and `evaluate`. */
export const MODEL_OPTION = {
  model: text('model', {
    valueName: '<dir|file|URL>',
    help: 'a Keras file (model.keras, model.h5), a TensorFlow.js Layers model directory (model.json and weights) or an ONNX model directory, or the URL of a Keras file or model.json',
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

/** The encoder's engine and its threads, in a process that labels (`label`, `worker`). */
export const ENCODER_OPTIONS = {
  engine: choice('engine', ENGINE_NAMES, {
    default: 'auto',
    help: 'inference engine of the encoder (CNN): ONNX Runtime or TensorFlow.js; auto: ONNX Runtime where the model translates, else TensorFlow.js (one log line says why)',
  }),
  device: choice('device', DEVICE_NAMES, {
    default: 'cpu',
    help: "where the encoder computes: cuda is ONNX Runtime's CUDA execution provider (its CUDA binaries installed) or, with --engine tfjs, tfjs-node-gpu; refused with the reason where it is not available",
  }),
  threads: integer('threads', {
    min: 0,
    max: 256,
    valueName: '<n>',
    help: 'encoder threads: ONNX Runtime intra-op threads, or TensorFlow.js worker threads each with its own copy of the model (0 encodes on the main thread)',
    defaultText:
      'ONNX Runtime: cores; TensorFlow.js: cores - 1, at least 1, 0 with the tensorflow backend',
  }),
};

/** Every accepted `convert --to`: the form of model directory written. */
export const CONVERT_FORMATS = ['tfjs', 'onnx'] as const;

/** What `framewise convert` writes. */
export const CONVERT_OPTIONS = {
  to: choice('to', CONVERT_FORMATS, {
    default: 'tfjs',
    help: 'tfjs: a TensorFlow.js Layers model directory; onnx: an ONNX model directory (encoder.onnx, head.onnx, framewise.json)',
  }),
};
