import type { LoadedModel } from './load-model.js';
import { OnnxEncoder } from './run/onnx-encoder.js';
import { ONNX_FRAMES, translateEncoder } from './translate/translate-encoder.js';

/**
 * The model's encoder on ONNX Runtime: its TensorFlow.js encoder graph as it runs (rewritten
 * for inference when the model was loaded so) translated into an ONNX model, with the same
 * preprocessing, then run for one batch so that the first real one does not pay for ONNX
 * Runtime's set-up.
 * @throws {@link ModelError} `FW_ERR_UNSUPPORTED_MODEL` naming a layer that does not translate.
 */
export async function startOnnxEncoder(
  model: LoadedModel,
  options: {
    readonly threads: number;
    readonly warmUpFrames: number;
    /** @defaultValue 'cpu' */
    readonly device?: 'cpu' | 'cuda';
  },
): Promise<OnnxEncoder> {
  const translated = translateEncoder(model.encoder.graph, model.split);
  const encoder = await OnnxEncoder.create({
    bytes: translated.bytes,
    input: ONNX_FRAMES,
    layout: 'nhwc',
    output: translated.output,
    shape: model.split,
    preprocessing: model.encoder.preprocessing,
    embeddingSize: translated.embeddingSize,
    threads: options.threads,
    device: options.device ?? 'cpu',
  });
  const { height, width, channels } = model.split;
  const blank = new Uint8Array(height * width * channels);
  await encoder.encode(Array.from({ length: options.warmUpFrames }, () => blank));
  return encoder;
}
