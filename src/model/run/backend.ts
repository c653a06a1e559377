import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../../errors.js';

/** A TensorFlow.js backend as `--backend` names it. */
export type BackendName = (typeof BACKEND_NAMES)[number];
/** A backend that can actually run. */
export type ActiveBackend = Exclude<BackendName, 'auto'>;

/** Every accepted value of `--backend`, in the order `auto` tries them. */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;

let active: Promise<ActiveBackend> | undefined;
let activeRequest: BackendName | undefined;

/**
 * Makes TensorFlow.js use the requested backend. `auto` takes tfjs-node (`tensorflow`) when it
 * is installed and loads, else WebAssembly, else the pure-JS `cpu` backend. A backend named
 * explicitly must work or a {@link BackendError} says why. Process-wide: TensorFlow.js has one
 * active backend; a second call with the same request returns the same promise.
 */
export function useBackend(requested: BackendName): Promise<ActiveBackend> {
  if (active !== undefined && activeRequest === requested) return active;
  activeRequest = requested;
  active = activate(requested);
  return active;
}

async function activate(requested: BackendName): Promise<ActiveBackend> {
  const order: ActiveBackend[] = requested === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [requested];
  const failures: string[] = [];
  for (const name of order) {
    try {
      await register(name);
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
      failures.push(`${name}: it did not initialise`);
    } catch (error) {
      failures.push(
        `${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
    }
  }
  throw new BackendError(
    `backend ${requested} is not available (${failures.join('; ')}); ` +
      `use --backend auto, or install @tensorflow/tfjs-node for the tensorflow backend`,
  );
}

async function register(name: ActiveBackend): Promise<void> {
  if (tf.findBackendFactory(name) !== null) return;
  if (name === 'tensorflow') {
    // Optional dependency: its install downloads libtensorflow, which fails without internet.
    await import('@tensorflow/tfjs-node' as string);
  } else if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
  }
}

/**
 * Makes TensorFlow.js compute on the GPU: tfjs-node-gpu's `tensorflow` backend (CUDA). It is not
 * a dependency of framewise; install it where there is a GPU.
 * @throws {@link BackendError} when it is not installed or does not load.
 */
export async function useGpuBackend(): Promise<ActiveBackend> {
  if (tf.findBackendFactory('tensorflow') === null) {
    try {
      await import('@tensorflow/tfjs-node-gpu' as string);
    } catch (error) {
      throw new BackendError(
        `the TensorFlow.js engine runs on the GPU with @tensorflow/tfjs-node-gpu, which does not load here ` +
          `(${error instanceof Error ? error.message.split('\n')[0] : String(error)}): install it ` +
          '(npm install @tensorflow/tfjs-node-gpu, with CUDA on the machine), use --engine onnx, or --device cpu',
        { cause: error },
      );
    }
  }
  return useBackend('tensorflow');
}
