import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useBackend } from '../src/model/run/backend.js';
import { FRAMEWISE_JSON } from '../src/model/load/framewise-config.js';
import { saveModelToDirectory } from '../src/model/load/model-files.js';
import { encoderFps } from './encoder-fps.js';
import { buildMobileNetV2Classifier } from '../test/support/backbones/mobilenet-v2.js';

/** MobileNetV2's own input side. */
export const MOBILENET_SIDE = 224;
/**
 * Frames each encoder-only measurement of the backbone runs: a real backbone is two orders of
 * magnitude slower than the seed encoder, so fewer frames give as steady a figure.
 */
const BACKBONE_FRAMES = 64;
/** Seconds of the clip `label` runs over with the backbone. */
const LABEL_SECONDS = 4;

/** What the backbone costs, next to the seed model measured in the same run. */
export interface BackboneCost {
  /** Frames/s of the encoder alone, main thread, batch 16: rewritten for inference, as loaded. */
  readonly encoder: { readonly folded: number; readonly asLoaded: number };
  /** Frames/s of `label` end to end on the clip's first seconds, default encoder threads. */
  readonly label: number;
  readonly parameters: number;
}

/**
 * A classifier around the full MobileNetV2 (keras.applications' topology, alpha 1.0, 224×224,
 * features + global average pooling: 2.26 M parameters) with an LSTM(32) head and seeded
 * random weights (speed does not depend on them), saved once under `cacheDir`.
 */
export async function mobileNetV2Model(
  cacheDir: string,
): Promise<{ dir: string; parameters: number }> {
  const dir = join(cacheDir, `mobilenetv2-${MOBILENET_SIDE}`);
  await useBackend('wasm');
  const model = buildMobileNetV2Classifier({
    alpha: 1,
    blocks: 'all',
    height: MOBILENET_SIDE,
    width: MOBILENET_SIDE,
    lstmUnits: 32,
  });
  const parameters = model.countParams();
  if (!existsSync(join(dir, 'model.json'))) {
    await saveModelToDirectory(model, dir);
    const config = { classNames: ['a', 'b'], input: { preset: 'tf' } };
    await writeFile(join(dir, FRAMEWISE_JSON), JSON.stringify(config));
  }
  model.dispose();
  return { dir, parameters };
}

/** Measures the MobileNetV2 classifier: encoder only, and `label` on `clip`. */
export async function backboneCost(
  cacheDir: string,
  cli: string,
  clip: string,
): Promise<BackboneCost> {
  const { dir, parameters } = await mobileNetV2Model(cacheDir);
  const folded = await encoderFps(dir, true, BACKBONE_FRAMES);
  const asLoaded = await encoderFps(dir, false, BACKBONE_FRAMES);
  const result = spawnSync(
    process.execPath,
    [cli, 'label', clip, '--model', dir, '--duration', String(LABEL_SECONDS), '--stats'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`label with MobileNetV2 failed: ${result.stderr}`);
  const stats = JSON.parse(result.stderr.trim().split('\n').at(-1)!) as { fps: number };
  return { encoder: { folded, asLoaded }, label: stats.fps, parameters };
}
