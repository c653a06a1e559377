import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FRAMEWISE_JSON } from './load/framewise-config.js';
import type { LoadedModel } from './load-model.js';
import { translateEncoder } from './translate/translate-encoder.js';
import { translateHead } from './translate/translate-head.js';

/** File names of the ONNX model directory {@link saveOnnxModel} writes. */
export const ONNX_ENCODER_FILE = 'encoder.onnx';
export const ONNX_HEAD_FILE = 'head.onnx';

/** What {@link saveOnnxModel} wrote. */
export interface SavedOnnxModel {
  /** The head's state inputs: 0 when it runs in window mode only (a Bidirectional layer). */
  readonly states: number;
  readonly embeddingSize: number;
}

/**
 * Writes a TensorFlow.js Layers model as an ONNX model directory (docs/models.md, "ONNX model
 * directories"): encoder.onnx, the encoder as framewise runs it on ONNX Runtime (rewritten for
 * inference when the model was loaded so, channels last: `"layout": "nhwc"`); head.onnx, its
 * recurrent head with state inputs and outputs for stateful mode; and framewise.json with the
 * preprocessing that goes with that encoder (an input scale folded into the first convolution
 * is gone from it), the default window and the class names.
 * @throws {@link ModelError} `FW_ERR_UNSUPPORTED_MODEL` naming a layer with no ONNX translation.
 */
export async function saveOnnxModel(model: LoadedModel, dir: string): Promise<SavedOnnxModel> {
  const { split } = model;
  const encoder = translateEncoder(model.encoder.graph, split);
  const head = translateHead(model.head.layers, split.embeddingSize, split.classes);
  const { scale, offset, channelOrder, mean, std } = model.encoder.preprocessing;
  const config = {
    format: 'onnx',
    encoder: ONNX_ENCODER_FILE,
    head: ONNX_HEAD_FILE,
    input: {
      layout: 'nhwc',
      height: split.height,
      width: split.width,
      channels: split.channels,
      channelOrder,
      scale,
      offset,
      ...(mean === undefined ? {} : { mean }),
      ...(std === undefined ? {} : { std }),
    },
    window: model.defaultWindow,
    ...(model.classNames === undefined ? {} : { classNames: model.classNames }),
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, ONNX_ENCODER_FILE), encoder.bytes);
  await writeFile(join(dir, ONNX_HEAD_FILE), head.bytes);
  await writeFile(join(dir, FRAMEWISE_JSON), `${JSON.stringify(config, null, 2)}\n`);
  return { states: head.states.length, embeddingSize: encoder.embeddingSize };
}
