import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { FRAMEWISE_JSON } from '../../../src/model/load/framewise-config.js';
import { saveModelToDirectory } from '../../../src/model/load/model-files.js';
import type { BackboneClassifierOptions } from './backbone-classifier.js';
import { EFFICIENTNET_B0_PREPROCESSING, buildEfficientNetB0Classifier } from './efficientnet-b0.js';
import { INCEPTION_V3_PREPROCESSING, buildInceptionV3Classifier } from './inception-v3.js';
import { MOBILENET_V2_PREPROCESSING, buildMobileNetV2Classifier } from './mobilenet-v2.js';
import type { BackbonePreprocessing } from './preprocess-input.js';
import { RESNET50_PREPROCESSING, buildResNet50Classifier } from './resnet50.js';

/** One of the four backbones. */
export type BackboneName = 'mobilenetv2' | 'resnet50' | 'efficientnetb0' | 'inceptionv3';

/** The four backbones' classifier builders. */
export const BACKBONES = {
  mobilenetv2: buildMobileNetV2Classifier,
  resnet50: buildResNet50Classifier,
  efficientnetb0: buildEfficientNetB0Classifier,
  inceptionv3: buildInceptionV3Classifier,
} as const satisfies Record<BackboneName, unknown>;

/** Each backbone's preprocessing; EfficientNet's is inside the model: raw 0–255 pixels go in. */
export const BACKBONE_PREPROCESSING: Readonly<Record<BackboneName, BackbonePreprocessing>> = {
  mobilenetv2: MOBILENET_V2_PREPROCESSING,
  resnet50: RESNET50_PREPROCESSING,
  efficientnetb0: EFFICIENTNET_B0_PREPROCESSING,
  inceptionv3: INCEPTION_V3_PREPROCESSING,
};

/**
 * Builds a backbone's classifier, saves it to a fresh temporary directory as a framewise model
 * (model.json, weights, and a framewise.json with class names and the backbone's
 * preprocessing) and returns the directory and the in-memory model.
 */
export async function saveBackboneModel<N extends BackboneName>(
  backbone: N,
  options: Parameters<(typeof BACKBONES)[N]>[0] = {},
): Promise<{ dir: string; model: tf.Sequential }> {
  const model = (BACKBONES[backbone] as (options: BackboneClassifierOptions) => tf.Sequential)(
    options,
  );
  const classNames = Array.from({ length: model.outputs[0]!.shape[1]! }, (_, i) => `class_${i}`);
  const input = BACKBONE_PREPROCESSING[backbone];
  const dir = await mkdtemp(join(tmpdir(), `framewise-${backbone}-`));
  await saveModelToDirectory(model, dir);
  await writeFile(join(dir, FRAMEWISE_JSON), JSON.stringify({ classNames, input }));
  return { dir, model };
}
