import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FRAMEWISE_JSON } from '../src/model/load/framewise-config.js';
import { saveModelToDirectory } from '../src/model/load/model-files.js';
import { loadModel } from '../src/model/load-model.js';
import { startOnnxEncoder } from '../src/model/onnx-engine.js';
import { useBackend } from '../src/model/run/backend.js';
import { DEFAULT_ONNX_THREADS } from '../src/options/engine-options.js';
import { buildMobileNetV2Classifier } from '../test/support/backbones/mobilenet-v2.js';
import { BATCH, encoderFps } from './encoder-fps.js';
import { referenceFps } from './python-reference.js';

/** MobileNetV2's own input side. */
export const MOBILENET_SIDE = 224;
/**
 * Frames each encoder-only measurement of the backbone runs: a real backbone is two orders of
 * magnitude slower than the seed encoder, so fewer frames give as steady a figure.
 */
const BACKBONE_FRAMES = 64;
/** Seconds of the clip each end-to-end run labels. */
export const BACKBONE_SECONDS = 4;
/** Interleaved rounds of the end-to-end runs: their medians are shown. */
const ROUNDS = 3;

/** What the backbone costs on each engine, from one run. */
export interface BackboneCost {
  readonly parameters: number;
  /** Frames/s of the encoder alone, batches of {@link BATCH}. */
  readonly encoder: {
    /** ONNX Runtime, its default intra-op threads. */
    readonly onnx: number;
    /** TensorFlow.js (wasm, main thread), rewritten for inference and as loaded. */
    readonly tfjs: number;
    readonly tfjsAsLoaded: number;
  };
  /** Frames/s of `label` end to end, each engine with its default threads. */
  readonly label: { readonly onnx: number; readonly tfjs: number };
  /** The Python reference with a TorchScript-frozen encoder, when torchvision is found. */
  readonly reference?: { readonly fps: number; readonly torch: string; readonly opencv: string };
}

/**
 * A classifier around the full MobileNetV2 (keras.applications' topology, alpha 1.0, 224×224,
 * features + global average pooling: 2.26 M parameters) with an LSTM(32) head and seeded
 * random weights (speed does not depend on them), saved once under `cacheDir`.
 */
export async function mobileNetV2Model(cacheDir: string): Promise<string> {
  const dir = join(cacheDir, `mobilenetv2-${MOBILENET_SIDE}`);
  if (existsSync(join(dir, 'model.json'))) return dir;
  await useBackend('wasm');
  const model = buildMobileNetV2Classifier({
    alpha: 1,
    blocks: 'all',
    height: MOBILENET_SIDE,
    width: MOBILENET_SIDE,
    lstmUnits: 32,
  });
  await saveModelToDirectory(model, dir);
  const config = { classNames: ['a', 'b'], input: { preset: 'tf' } };
  await writeFile(join(dir, FRAMEWISE_JSON), JSON.stringify(config));
  model.dispose();
  return dir;
}

/** The encoder alone on ONNX Runtime, batches of {@link BATCH}. */
async function onnxEncoderFps(dir: string): Promise<number> {
  await useBackend('wasm');
  const model = await loadModel(dir);
  const encoder = await startOnnxEncoder(model, {
    threads: DEFAULT_ONNX_THREADS,
    warmUpFrames: BATCH,
  });
  const { height, width, channels } = model.split;
  const batch = Array.from({ length: BATCH }, (_, i) =>
    Uint8Array.from({ length: height * width * channels }, (_, j) => (i * 7 + j * 13) & 0xff),
  );
  const started = performance.now();
  for (let done = 0; done < BACKBONE_FRAMES; done += BATCH) await encoder.encode(batch);
  const fps = BACKBONE_FRAMES / ((performance.now() - started) / 1000);
  await encoder.close();
  model.dispose();
  return fps;
}

function labelFps(cli: string, clip: string, dir: string, engine: 'onnx' | 'tfjs'): number {
  const args = ['label', clip, '--model', dir, '--engine', engine, '--stats'];
  const result = spawnSync(
    process.execPath,
    [cli, ...args, '--duration', String(BACKBONE_SECONDS)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`label with MobileNetV2 failed: ${result.stderr}`);
  return (JSON.parse(result.stderr.trim().split('\n').at(-1)!) as { fps: number }).fps;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Measures the MobileNetV2 classifier: the encoder alone on both engines, then `label` on the
 * first seconds of `clip` on both engines and, with `python` (one that imports torch, cv2 and
 * torchvision), the reference script with a TorchScript-frozen encoder, in interleaved rounds.
 */
export async function backboneCost(
  cacheDir: string,
  cli: string,
  clip: string,
  python: string | undefined,
): Promise<BackboneCost> {
  const dir = await mobileNetV2Model(cacheDir);
  const probe = await loadModel(dir, { fold: false });
  const parameters = probe.model.countParams();
  probe.dispose();
  const encoder = {
    onnx: await onnxEncoderFps(dir),
    tfjs: await encoderFps(dir, true, BACKBONE_FRAMES),
    tfjsAsLoaded: await encoderFps(dir, false, BACKBONE_FRAMES),
  };
  const runs = { onnx: [] as number[], tfjs: [] as number[], reference: [] as number[] };
  let reference: BackboneCost['reference'];
  for (let round = 0; round < ROUNDS; round++) {
    runs.onnx.push(labelFps(cli, clip, dir, 'onnx'));
    runs.tfjs.push(labelFps(cli, clip, dir, 'tfjs'));
    if (python !== undefined) {
      const extra = [
        '--model',
        'mobilenetv2',
        '--torchscript',
        '--seconds',
        String(BACKBONE_SECONDS),
      ];
      const stats = referenceFps(python, clip, extra);
      runs.reference.push(stats.fps);
      reference = { fps: 0, torch: stats.torch, opencv: stats.opencv };
    }
  }
  return {
    parameters,
    encoder,
    label: { onnx: median(runs.onnx), tfjs: median(runs.tfjs) },
    ...(reference === undefined
      ? {}
      : { reference: { ...reference, fps: median(runs.reference) } }),
  };
}
