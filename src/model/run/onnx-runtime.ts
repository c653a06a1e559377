import type * as Ort from 'onnxruntime-node';
import { BackendError } from '../../errors.js';

/** Where ONNX Runtime computes and on how many threads. */
export interface SessionOptions {
  /** Intra-op threads: the cores one run is spread over. */
  readonly threads: number;
  /**
   * The CPU, or the GPU through ONNX Runtime's CUDA execution provider (nodes it lacks still
   * run on the CPU).
   * @defaultValue 'cpu'
   */
  readonly device?: 'cpu' | 'cuda';
}

/**
 * onnxruntime-node, loaded when first needed: an optional dependency (an install whose
 * download of its GPU binaries failed leaves it out).
 * @throws {@link BackendError} when it is not installed or does not load.
 */
export async function onnxRuntime(): Promise<typeof Ort> {
  try {
    const ort = (await import('onnxruntime-node')) as typeof Ort;
    // Failures are thrown with their reason; ONNX Runtime's own log would repeat them on stderr.
    ort.env.logLevel = 'fatal';
    return ort;
  } catch (error) {
    throw new BackendError(
      `ONNX Runtime is not available: onnxruntime-node is not installed or does not load here ` +
        `(${firstLine(error)}); install it with npm install onnxruntime-node (offline: ` +
        'ONNXRUNTIME_NODE_INSTALL=skip npm install), or use --engine tfjs',
      { cause: error },
    );
  }
}

/**
 * A session of the ONNX model `bytes` on the device asked for.
 * @throws {@link BackendError} when the CUDA execution provider asked for cannot load.
 */
export async function createSession(
  ort: typeof Ort,
  bytes: Uint8Array,
  options: SessionOptions,
): Promise<Ort.InferenceSession> {
  const cuda = options.device === 'cuda';
  try {
    return await ort.InferenceSession.create(bytes, {
      executionProviders: cuda ? [{ name: 'cuda', deviceId: 0 }] : ['cpu'],
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // Idle intra-op threads sleep instead of spinning: they share the cores with ffmpeg and
      // the main thread, which a spinning thread would take turns from.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  } catch (error) {
    if (!cuda) throw error;
    throw new BackendError(
      `ONNX Runtime cannot run on the GPU here (${firstLine(error)}): it needs an NVIDIA GPU with ` +
        "CUDA 12 and cuDNN 9, and onnxruntime-node's CUDA binaries (ONNXRUNTIME_NODE_INSTALL=cuda12 " +
        'npm install onnxruntime-node); or use --device cpu',
      { cause: error },
    );
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
