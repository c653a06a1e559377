import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FRAMEWISE_JSON, type FramewiseConfig } from '../../src/model/load/framewise-config.js';
import { saveModelToDirectory } from '../../src/model/load/model-files.js';
import { buildSeedModel, type SeedModelOptions } from '../../src/train/seed-model.js';

/**
 * Builds the seed architecture, gives its BatchNorm layers non-trivial statistics (so that
 * they matter to the result), saves it with `config` as framewise.json to a fresh temporary
 * directory and returns the directory and the in-memory model.
 */
export async function saveSeedModel(
  options: SeedModelOptions,
  config: FramewiseConfig = {},
): Promise<{ dir: string; model: tf.Sequential }> {
  const model = buildSeedModel(options);
  randomizeBatchNorm(model, options.seed ?? 1);
  const dir = await mkdtemp(join(tmpdir(), 'framewise-model-'));
  await saveModelToDirectory(model, dir);
  await writeFile(join(dir, FRAMEWISE_JSON), JSON.stringify(config));
  return { dir, model };
}

/**
 * Sets every BatchNormalization layer of a model's TimeDistributed encoder (its first layer) to
 * seeded gamma, beta, mean and variance, so that folding them changes something.
 */
export function randomizeBatchNorm(model: tf.LayersModel, seed: number): void {
  const encoder = (model.layers[0] as unknown as { layer: tf.LayersModel }).layer;
  encoder.layers
    .filter((layer) => layer.getClassName() === 'BatchNormalization')
    .forEach((layer, i) => {
      const weights = layer.getWeights().map((w, j) =>
        tf.tidy(() => {
          const r = tf.randomUniform(w.shape, 0, 1, 'float32', seed * 100 + i * 10 + j);
          // gamma, beta, moving mean, moving variance (kept positive)
          return [r.mul(1.5).add(0.5), r.sub(0.5), r.mul(0.2), r.mul(0.5).add(0.5)][j]!;
        }),
      );
      layer.setWeights(weights);
      tf.dispose(weights);
    });
}

/** Frames as the model's input: `[1, frames, H, W, C]` floats, pixels divided by 255. */
function clipTensor(frames: readonly Uint8Array[], shape: FrameShape): tf.Tensor {
  const pixels = frames.map((f) =>
    tf.tensor3d(f, [shape.height, shape.width, shape.channels], 'int32'),
  );
  return tf.stack(pixels).toFloat().div(255).expandDims(0);
}

interface FrameShape {
  height: number;
  width: number;
  channels: number;
}

/** The whole model's `predict()` on one window of frames: the reference of window mode. */
export function predictScores(
  model: tf.LayersModel,
  frames: readonly Uint8Array[],
  shape: FrameShape,
): Float32Array {
  return tf.tidy(
    () => (model.predict(clipTensor(frames, shape)) as tf.Tensor).dataSync() as Float32Array,
  );
}

/**
 * The reference of stateful mode: the model's encoder on every frame, then its own recurrent
 * and Dense layers run over the whole sequence in one call (any length, unlike `predict()`,
 * whose input has a fixed time dimension).
 */
export function sequenceScores(
  model: tf.LayersModel,
  frames: readonly Uint8Array[],
  shape: FrameShape,
): Float32Array {
  return tf.tidy(() => {
    const [wrapper, ...head] = model.layers;
    const encoder = (wrapper as unknown as { layer: tf.layers.Layer }).layer;
    const clip = clipTensor(frames, shape).squeeze([0]);
    let x = (encoder.apply(clip) as tf.Tensor).expandDims(0);
    for (const layer of head) x = layer.apply(x, { training: false }) as tf.Tensor;
    return x.dataSync() as Float32Array;
  });
}
