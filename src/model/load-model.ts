import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { FramewiseError, ModelError } from '../errors.js';
import {
  DEFAULT_PREPROCESSING,
  FRAMEWISE_JSON,
  parseFramewiseConfig,
  readFramewiseConfig,
  readFramewiseJson,
  type FramewiseConfig,
} from './load/framewise-config.js';
import { foldBatchNorm } from './optimize/fold-batch-norm.js';
import { FrameEncoder } from './run/frame-encoder.js';
import { modelFromArtifacts } from './load/model-from-artifacts.js';
import { MODEL_JSON, directoryLoader } from './load/model-files.js';
import { fetchModelFile } from './load/fetch-model-file.js';
import { MAX_MODEL_FILE_BYTES } from './load/confined-file.js';
import { isKerasFile, modelFromKerasFile } from './load/keras-file.js';
import { isOnnxConfig } from './load/onnx-model-files.js';
import { RecurrentHead } from './run/recurrent-head.js';
import { splitModel, type SplitModel } from './load/split-model.js';
import { poolWholeFrames } from './optimize/whole-frame-pooling.js';
import type { RunnableModel } from './runnable-model.js';

/** Frames per window when neither the model nor framewise.json fixes it. */
export const FALLBACK_WINDOW = 4;

/** How {@link prepareModel} and {@link loadModel} set a model up. */
export interface PrepareOptions {
  /**
   * Rewrite the model for inference, computing the same function with fewer and cheaper ops:
   * fold BatchNormalization layers and the input scale into neighbouring weights
   * ({@link foldBatchNorm}) and run global average poolings as whole-frame poolings
   * ({@link poolWholeFrames}). Training needs the model as it is: pass false.
   * @defaultValue true
   */
  readonly fold?: boolean;
}

/**
 * A TensorFlow.js Layers video classifier ready to run: split into encoder and head, with its
 * metadata, and the model itself (for training and for translating its encoder).
 */
export interface LoadedModel extends RunnableModel {
  /** The whole model, as loaded. */
  readonly model: tf.LayersModel;
  /** Its input shape and the encoder/head boundary, with the layers on each side. */
  readonly split: SplitModel;
  /** The per-frame CNN, run by TensorFlow.js on the calling thread. */
  readonly encoder: FrameEncoder;
  /** The recurrent layers and what follows them, run by TensorFlow.js. */
  readonly head: RecurrentHead;
}

/**
 * Loads a TensorFlow.js Layers model from a directory (or its model.json) or an http(s) URL to
 * model.json, with the optional framewise.json beside it, and splits it for framewise.
 */
export async function loadModel(
  location: string,
  options: PrepareOptions = {},
): Promise<LoadedModel> {
  const isUrl = /^https?:\/\//i.test(location);
  if (isKerasFile(location)) return loadKerasFile(location, isUrl, options);
  const source = isUrl ? location : await modelDirectory(location);
  let model: tf.LayersModel;
  try {
    const handler = isUrl
      ? tf.io.http(location, { fetchFunc: fetchModelFile })
      : directoryLoader(source);
    model = await modelFromArtifacts(await handler.load!(), location);
  } catch (error) {
    if (!isUrl && isOnnxConfig(await readFramewiseJson(source).catch(() => undefined))) {
      throw new ModelError(
        'FW_ERR_UNSUPPORTED_MODEL',
        `${location} is an ONNX model directory: label, worker and evaluate run it, but this ` +
          'needs a TensorFlow.js Layers model (model.json + weights)',
      );
    }
    if (error instanceof FramewiseError) throw error;
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `cannot load the model at ${location}: ${firstLine(error)}; expected a TensorFlow.js ` +
        `Layers model (model.json + weights)`,
      { cause: error },
    );
  }
  try {
    const config = isUrl ? await fetchFramewiseConfig(location) : await readFramewiseConfig(source);
    return prepareModel(model, config, source, options);
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * Splits an in-memory model and applies its framewise.json settings; used by {@link loadModel}
 * and by code that builds or trains models.
 */
export function prepareModel(
  model: tf.LayersModel,
  config: FramewiseConfig,
  source: string,
  options: PrepareOptions = {},
): LoadedModel {
  const split = splitModel(model);
  if (config.classNames !== undefined && config.classNames.length !== split.classes) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `${FRAMEWISE_JSON} of ${source} names ${config.classNames.length} classes but the model ` +
        `outputs ${split.classes}`,
    );
  }
  const preprocessing = { ...DEFAULT_PREPROCESSING, ...config.input };
  for (const [name, values] of [
    ['mean', preprocessing.mean],
    ['std', preprocessing.std],
  ] as const) {
    if (values !== undefined && values.length !== 1 && values.length !== split.channels) {
      throw new ModelError(
        'FW_ERR_MODEL_INVALID',
        `${FRAMEWISE_JSON} of ${source} gives input.${name} for ${values.length} channels but ` +
          `the model takes ${split.channels}`,
      );
    }
  }
  const fast =
    options.fold === false
      ? { encoder: split.encoder, headLayers: split.headLayers, preprocessing, created: [] }
      : foldBatchNorm(split.encoder, split.headLayers, preprocessing);
  const encoder = options.fold === false ? fast.encoder : poolWholeFrames(fast.encoder, split);
  const head = new RecurrentHead(fast.headLayers, split.embeddingSize, split.classes);
  return {
    source,
    model,
    split,
    encoder: new FrameEncoder(encoder, split, fast.preprocessing, split.embeddingSize),
    head,
    classNames: config.classNames,
    preprocessing,
    defaultWindow: split.timeSteps ?? config.window ?? FALLBACK_WINDOW,
    dispose: () => {
      head.dispose();
      for (const layer of fast.created) layer.dispose();
      model.dispose();
    },
  };
}

/**
 * A Keras file (`.keras`, `.h5`): read whole, rebuilt without Python; its framewise.json, if
 * any, is the one in the same directory.
 */
async function loadKerasFile(
  location: string,
  isUrl: boolean,
  options: PrepareOptions,
): Promise<LoadedModel> {
  const model = await readKerasModel(location);
  try {
    const config = isUrl
      ? await fetchFramewiseConfig(location)
      : await readFramewiseConfig(dirname(localPath(location)));
    return prepareModel(model, config, location, options);
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** The Layers model of a Keras file (`.keras`, `.h5`), local or by URL, as Keras saved it. */
export async function readKerasModel(location: string): Promise<tf.LayersModel> {
  const isUrl = /^https?:\/\//i.test(location);
  const bytes = isUrl ? await fetchKerasFile(location) : await readKerasFile(location);
  return modelFromKerasFile(bytes, location);
}

async function readKerasFile(location: string): Promise<Uint8Array> {
  const path = localPath(location);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a file');
    size = info.size;
  } catch (error) {
    throw new ModelError(
      'FW_ERR_MODEL_NOT_FOUND',
      `model file ${path} does not exist: pass --model a .keras or .h5 file, or a model directory`,
      { cause: error },
    );
  }
  if (size > MAX_MODEL_FILE_BYTES) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `${path} is ${size} bytes; framewise reads model files of at most ${MAX_MODEL_FILE_BYTES}`,
    );
  }
  return new Uint8Array(await readFile(path));
}

async function fetchKerasFile(url: string): Promise<Uint8Array> {
  const response = await fetchModelFile(url);
  if (!response.ok) {
    throw new ModelError(
      response.status === 404 ? 'FW_ERR_MODEL_NOT_FOUND' : 'FW_ERR_MODEL_INVALID',
      `GET ${url} answered HTTP ${response.status}`,
    );
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_MODEL_FILE_BYTES) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `${url} is ${declared} bytes; framewise reads model files of at most ${MAX_MODEL_FILE_BYTES}`,
    );
  }
  return new Uint8Array(await response.arrayBuffer());
}

function localPath(location: string): string {
  return resolve(location.startsWith('file:') ? fileURLToPath(location) : location);
}

async function modelDirectory(location: string): Promise<string> {
  const path = resolve(location.startsWith('file:') ? fileURLToPath(location) : location);
  try {
    const info = await stat(path);
    return info.isFile() && basename(path) === MODEL_JSON ? dirname(path) : path;
  } catch (error) {
    throw new ModelError(
      'FW_ERR_MODEL_NOT_FOUND',
      `model directory ${path} does not exist: pass --model a directory holding model.json`,
      { cause: error },
    );
  }
}

async function fetchFramewiseConfig(modelUrl: string): Promise<FramewiseConfig> {
  const url = new URL(FRAMEWISE_JSON, modelUrl).href;
  const response = await fetchModelFile(url);
  if (response.status === 404) return {};
  if (!response.ok) {
    throw new ModelError('FW_ERR_MODEL_INVALID', `GET ${url} answered HTTP ${response.status}`);
  }
  return parseFramewiseConfig(await response.json(), url);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
