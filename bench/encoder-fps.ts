import { useBackend } from '../src/model/run/backend.js';
import { loadModel } from '../src/model/load-model.js';

/** Frames per encoder batch of the encoder-only measurements: `label`'s default. */
export const BATCH = 16;

/**
 * Frames/s of a model's encoder alone on the main thread (wasm), `frames` frames in batches of
 * {@link BATCH}, after one untimed batch (kernels compile on first use); rewritten for
 * inference (`fold`) or as loaded.
 */
export async function encoderFps(dir: string, fold: boolean, frames: number): Promise<number> {
  await useBackend('wasm');
  const model = await loadModel(dir, { fold });
  const { height, width, channels } = model.split;
  const batch = Array.from({ length: BATCH }, (_, i) =>
    Uint8Array.from({ length: height * width * channels }, (_, j) => (i * 7 + j * 13) & 0xff),
  );
  model.encoder.encode(batch);
  const started = performance.now();
  for (let done = 0; done < frames; done += BATCH) model.encoder.encode(batch);
  const fps = frames / ((performance.now() - started) / 1000);
  model.dispose();
  return fps;
}
