import { FramewiseError, UsageError } from '../errors.js';
import { startOnnxEncoder } from '../model/onnx-engine.js';
import type { OpenedModel } from '../model/open-model.js';
import type { ActiveBackend } from '../model/run/backend.js';
import type { BatchEncoder } from '../model/run/batch-encoder.js';
import { EncoderPool } from '../model/run/encoder-pool.js';
import {
  DEFAULT_ONNX_THREADS,
  DEFAULT_THREADS,
  type DeviceName,
  type EngineName,
} from '../options/engine-options.js';

/** What {@link startEncoder} starts the encoder with. */
export interface StartEncoderOptions {
  readonly engine: EngineName;
  /** Where the encoder computes; `cuda` is never given up for the CPU. */
  readonly device: DeviceName;
  /** `--threads`; undefined takes the engine's default. */
  readonly threads: number | undefined;
  /**
   * The model as opened: a TensorFlow.js model's encoder graph is what ONNX Runtime runs; an
   * ONNX model directory brings its own encoder session.
   */
  readonly opened: OpenedModel;
  /** The model's directory or URL, which TensorFlow.js encoder threads load again. */
  readonly location: string;
  readonly backend: ActiveBackend;
  /** The run's encoder batch, which the encoder warms up with. */
  readonly batch: number;
  /** Hears why `auto` fell back to TensorFlow.js. */
  readonly onFallback?: (reason: string) => void;
  /** Hears of a TensorFlow.js encoder thread that died, and whether another took its place. */
  readonly onThreadDeath?: (message: string, replaced: boolean) => void;
}

/** The encoder a run uses, besides the model's own on the main thread. */
export interface StartedEncoder {
  /** Undefined: the model's own encoder (TensorFlow.js on the main thread, or an ONNX directory's). */
  readonly encoder: (BatchEncoder & { close(): Promise<void> }) | undefined;
  /** The engine that runs the encoder. */
  readonly engine: 'onnx' | 'tfjs';
  /** Its threads: ONNX Runtime's intra-op threads, or TensorFlow.js worker threads (0: none). */
  readonly threads: number;
}

/**
 * Starts the encoder `--engine` and `--threads` ask for: ONNX Runtime on the model's encoder
 * translated to ONNX (`auto` falls back to TensorFlow.js, saying why, when a layer does not
 * translate; `onnx` fails), else TensorFlow.js worker threads, or none (0, or tfjs-node, which
 * runs its own thread pool, by default). An ONNX model directory runs on ONNX Runtime only, with
 * the threads it was opened with.
 * @throws {@link UsageError} for `--engine tfjs` on an ONNX model directory.
 */
export async function startEncoder(options: StartEncoderOptions): Promise<StartedEncoder> {
  const { engine, device, threads, opened, batch } = options;
  if (opened.format === 'onnx') {
    if (engine === 'tfjs') {
      throw new UsageError(
        `${opened.model.source} is an ONNX model directory, which runs on ONNX Runtime only; ` +
          'use --engine auto or --engine onnx',
      );
    }
    return { encoder: undefined, engine: 'onnx', threads: opened.model.encoder.threads };
  }
  const model = opened.model;
  if (engine !== 'tfjs') {
    try {
      const onnx = await startOnnxEncoder(model, {
        threads: threads ?? DEFAULT_ONNX_THREADS,
        warmUpFrames: batch,
        device,
      });
      return { encoder: onnx, engine: 'onnx', threads: onnx.threads };
    } catch (error) {
      // TensorFlow.js would compute on the CPU here: a GPU asked for is not given up silently.
      if (engine === 'onnx' || device === 'cuda') throw error;
      options.onFallback?.(error instanceof FramewiseError ? error.message : String(error));
    }
  }
  const { backend, location, onThreadDeath } = options;
  const count = threads ?? (backend === 'tensorflow' ? 0 : DEFAULT_THREADS);
  if (count === 0) return { encoder: undefined, engine: 'tfjs', threads: 0 };
  const pool = await EncoderPool.start({
    location,
    threads: count,
    backend,
    warmUpFrames: batch,
    ...(onThreadDeath === undefined ? {} : { onThreadDeath }),
  });
  return { encoder: pool, engine: 'tfjs', threads: pool.parallelism };
}
