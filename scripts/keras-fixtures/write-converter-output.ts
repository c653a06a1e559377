import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuiltModel, WeightEntry } from './model-builder.js';
import { pythonJson, type PyJson } from './python-json.js';

/** tensorflowjs_converter's default `--weight_shard_size_bytes`: 4 MiB. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;
/** The converter release these fixtures imitate. */
const CONVERTED_BY = 'TensorFlow.js Converter v4.22.0';

/** What to write: a model, the Keras release it came from, and its weight values. */
export interface ConverterInput {
  readonly model: BuiltModel;
  /** `keras.__version__`, e.g. `2.15.0`. */
  readonly kerasVersion: string;
  /** The values of a weight, in row-major order. */
  readonly values: (weight: WeightEntry) => Float32Array | Int32Array;
  /** @defaultValue {@link DEFAULT_SHARD_BYTES} */
  readonly shardBytes?: number;
}

/**
 * Writes `model.json` and the weight shards exactly as `tensorflowjs_converter --input_format
 * keras model.h5 dir` does: the .h5 file's layer groups in h5py's (name) order, each layer's
 * weights in Keras' order, all in one group whose bytes are cut into shards of at most
 * `shardBytes`; `model.json` as Python's `json.dump` writes it.
 */
export async function writeConverterOutput(dir: string, input: ConverterInput): Promise<string[]> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const layers = [...input.model.layers].sort((a, b) =>
    a.layer < b.layer ? -1 : a.layer > b.layer ? 1 : 0,
  );
  const weights = layers.flatMap((layer) => layer.weights);
  const chunks = weights.map((w) => {
    const values = input.values(w);
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  });
  const bytes = Buffer.concat(chunks);
  const shardBytes = input.shardBytes ?? DEFAULT_SHARD_BYTES;
  const count = Math.ceil(bytes.length / shardBytes);
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = `group1-shard${i + 1}of${count}.bin`;
    await writeFile(join(dir, path), bytes.subarray(i * shardBytes, (i + 1) * shardBytes));
    paths.push(path);
  }
  const modelJson: PyJson = {
    format: 'layers-model',
    generatedBy: `keras v${input.kerasVersion}`,
    convertedBy: CONVERTED_BY,
    modelTopology: {
      keras_version: input.kerasVersion,
      backend: 'tensorflow',
      model_config: input.model.modelConfig,
    },
    weightsManifest: [
      { paths, weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: w.dtype })) },
    ],
  };
  await writeFile(join(dir, 'model.json'), pythonJson(modelJson));
  return paths;
}
