import { DEFAULT_PREPROCESSING, type Preprocessing } from './load/framewise-config.js';
import { readOnnxModelFiles } from './load/onnx-model-files.js';
import { FALLBACK_WINDOW } from './load-model.js';
import { OnnxEncoder } from './run/onnx-encoder.js';
import { OnnxHead } from './run/onnx-head.js';
import type { SessionOptions } from './run/onnx-runtime.js';
import type { RunnableModel } from './runnable-model.js';

/** A model of an ONNX model directory: encoder and head both run by ONNX Runtime. */
export interface OnnxModel extends RunnableModel {
  readonly encoder: OnnxEncoder;
  readonly head: OnnxHead;
}

/**
 * Loads an ONNX model directory (framewise.json with `"format": "onnx"`, encoder.onnx,
 * head.onnx; see "ONNX model directories" in docs/models.md), `raw` its framewise.json.
 */
export async function loadOnnxModel(
  dir: string,
  raw: unknown,
  options: SessionOptions,
): Promise<OnnxModel> {
  const files = await readOnnxModelFiles(dir, raw);
  const { config, encoder: encoderFile, head: headFile } = files;
  const preprocessing: Preprocessing = { ...DEFAULT_PREPROCESSING, ...config.input };
  const shape = { height: files.height, width: files.width, channels: files.channels };
  const encoder = await OnnxEncoder.create({
    bytes: encoderFile.bytes,
    input: encoderFile.inputs[0]!.name,
    layout: files.layout,
    output: encoderFile.outputs[0]!.name,
    shape,
    preprocessing,
    embeddingSize: files.embeddingSize,
    ...options,
  });
  let head: OnnxHead;
  try {
    head = await OnnxHead.create({
      bytes: headFile.bytes,
      path: headFile.path,
      input: headFile.inputs[0]!.name,
      output: headFile.outputs[0]!.name,
      embeddingSize: files.embeddingSize,
      classes: files.classes,
      states: files.states.map((s) => ({ name: s.name, size: s.dims.slice(1) as number[] })),
      // The head is a small part of the work: one thread leaves the others to the encoder.
      threads: 1,
      device: options.device ?? 'cpu',
    });
  } catch (error) {
    await encoder.close();
    throw error;
  }
  return {
    source: dir,
    split: {
      ...shape,
      timeSteps: null,
      embeddingSize: files.embeddingSize,
      classes: files.classes,
    },
    encoder,
    head,
    classNames: config.classNames,
    preprocessing,
    defaultWindow: config.window ?? FALLBACK_WINDOW,
    dispose: () => {
      void encoder.close();
      head.dispose();
    },
  };
}
