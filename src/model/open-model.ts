import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFramewiseJson } from './load/framewise-config.js';
import { isOnnxConfig } from './load/onnx-model-files.js';
import { loadModel, type LoadedModel, type PrepareOptions } from './load-model.js';
import { loadOnnxModel, type OnnxModel } from './load-onnx-model.js';
import type { SessionOptions } from './run/onnx-runtime.js';

/** A model as {@link openModel} finds it: a TensorFlow.js Layers model, or an ONNX directory. */
export type OpenedModel =
  | { readonly format: 'layers'; readonly model: LoadedModel }
  | { readonly format: 'onnx'; readonly model: OnnxModel };

/**
 * Opens what `--model` names: an ONNX model directory (its framewise.json says `"format":
 * "onnx"`) on ONNX Runtime, anything else as a TensorFlow.js Layers model ({@link loadModel}).
 */
export async function openModel(
  location: string,
  options: PrepareOptions & SessionOptions,
): Promise<OpenedModel> {
  if (!/^https?:\/\//i.test(location)) {
    const dir = resolve(location.startsWith('file:') ? fileURLToPath(location) : location);
    const isDir = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const raw = isDir ? await readFramewiseJson(dir) : undefined;
    if (isOnnxConfig(raw)) return { format: 'onnx', model: await loadOnnxModel(dir, raw, options) };
  }
  return { format: 'layers', model: await loadModel(location, options) };
}
