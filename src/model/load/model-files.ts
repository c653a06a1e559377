import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { confinedFile } from './confined-file.js';
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../errors.js';

/** File name of a TensorFlow.js Layers model's topology and weights manifest. */
export const MODEL_JSON = 'model.json';
/** File name of the single weights shard {@link saveModelToDirectory} writes. */
const WEIGHTS_FILE = 'group1-shard1of1.bin';

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: tf.io.WeightsManifestConfig;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: tf.io.TrainingConfig;
  userDefinedMetadata?: tf.io.ModelArtifacts['userDefinedMetadata'];
}

/**
 * An IOHandler that loads a Layers model from a directory on disk: `model.json` plus the weight
 * shards its manifest names, concatenated in manifest order (sharded weights work).
 * `@tensorflow/tfjs` without tfjs-node has no `file://` handler, hence this one.
 */
export function directoryLoader(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = await readModelJson(dir);
      if (json.modelTopology === undefined || json.modelTopology === null) {
        throw new ModelError(
          'FW_ERR_MODEL_INVALID',
          `${join(dir, MODEL_JSON)} has no modelTopology: expected a TensorFlow.js Layers model ` +
            `(written by tensorflowjs_converter --output_format tfjs_layers_model or model.save())`,
        );
      }
      const manifest = json.weightsManifest ?? [];
      const weightSpecs = manifest.flatMap((group) => group.weights);
      const shards = await Promise.all(
        manifest.flatMap((group) => group.paths.map((path) => readShard(dir, path))),
      );
      return {
        modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs,
        weightData: concatenate(shards),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        trainingConfig: json.trainingConfig,
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}

async function readModelJson(dir: string): Promise<ModelJson> {
  const path = join(dir, MODEL_JSON);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ModelError(
      'FW_ERR_MODEL_NOT_FOUND',
      `no ${MODEL_JSON} in model directory ${dir}: pass --model a directory holding a ` +
        `TensorFlow.js Layers model (model.json + weight files)`,
      { cause: error },
    );
  }
  try {
    return JSON.parse(text) as ModelJson;
  } catch (error) {
    throw new ModelError('FW_ERR_MODEL_INVALID', `${path} is not valid JSON: ${String(error)}`, {
      cause: error,
    });
  }
}

async function readShard(dir: string, path: string): Promise<Uint8Array> {
  // A manifest is data: it must not make us read files outside the model directory.
  const full = await confinedFile(
    dir,
    path,
    `weights path ${JSON.stringify(path)} in ${MODEL_JSON}`,
  );
  try {
    return await readFile(full);
  } catch (error) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `weight file ${full} named in ${MODEL_JSON} cannot be read: copy every file the converter ` +
        `wrote next to model.json`,
      { cause: error },
    );
  }
}

function concatenate(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out.buffer;
}

/**
 * Saves a Layers model to `dir` as `model.json` plus one weights shard, the format
 * {@link directoryLoader} and `tf.loadLayersModel` read.
 */
export async function saveModelToDirectory(model: tf.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const bytes =
        weightData === undefined
          ? new Uint8Array(0)
          : new Uint8Array(
              weightData instanceof ArrayBuffer
                ? weightData
                : concatenate(weightData.map((b) => new Uint8Array(b))),
            );
      const json: ModelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(join(dir, MODEL_JSON), JSON.stringify(json));
      await mkdir(dirname(join(dir, WEIGHTS_FILE)), { recursive: true });
      await writeFile(join(dir, WEIGHTS_FILE), bytes);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: bytes.byteLength,
        },
      };
    }),
  );
}
