import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../../src/model/load-model.js';
import { FRAMEWISE_JSON } from '../../../../src/model/load/framewise-config.js';
import { directoryLoader } from '../../../../src/model/load/model-files.js';
import { useBackend } from '../../../../src/model/run/backend.js';
import { randomClips } from '../../../support/backbones/backbone-classifier.js';
import {
  BACKBONES,
  BACKBONE_PREPROCESSING,
  saveBackboneModel,
  type BackboneName,
} from '../../../support/backbones/backbones.js';
import { preprocessInput } from '../../../support/backbones/preprocess-input.js';

interface Case {
  backbone: BackboneName;
  /** Layer classes that make the backbone what it is (a graph, and Keras' building blocks). */
  classes: string[];
  /** A few layer names as Keras gives them. */
  names: string[];
  /** Epsilon of its BatchNormalization layers. */
  epsilon: number;
  /** Whether they have a gamma (InceptionV3's `conv2d_bn` has `scale=False`). */
  scale: boolean;
}

const CASES: Case[] = [
  {
    backbone: 'mobilenetv2',
    classes: ['Add', 'DepthwiseConv2D', 'ZeroPadding2D', 'ReLU', 'GlobalAveragePooling2D'],
    names: ['Conv1', 'bn_Conv1', 'Conv1_relu', 'expanded_conv_depthwise', 'block_1_pad'],
    epsilon: 1e-3,
    scale: true,
  },
  {
    backbone: 'resnet50',
    classes: ['Add', 'ZeroPadding2D', 'MaxPooling2D', 'Activation', 'GlobalAveragePooling2D'],
    names: ['conv1_pad', 'conv1_conv', 'conv2_block1_0_conv', 'conv2_block1_add', 'avg_pool'],
    epsilon: 1.001e-5,
    scale: true,
  },
  {
    backbone: 'efficientnetb0',
    classes: ['Multiply', 'Reshape', 'Add', 'DepthwiseConv2D', 'Rescaling', 'Normalization'],
    names: ['stem_conv_pad', 'block1a_se_squeeze', 'block1a_se_excite', 'block2b_add'],
    epsilon: 1e-3,
    scale: true,
  },
  {
    backbone: 'inceptionv3',
    classes: ['Concatenate', 'AveragePooling2D', 'MaxPooling2D', 'Activation'],
    names: ['conv2d', 'batch_normalization_4', 'max_pooling2d_1', 'average_pooling2d', 'mixed0'],
    epsilon: 1e-3,
    scale: false,
  },
];

function backboneOf(model: tf.LayersModel): tf.LayersModel {
  return (model.layers[0] as unknown as { layer: tf.LayersModel }).layer;
}

/** Two seeded clips, preprocessed as the backbone's Keras application does. */
function twoClips(model: tf.LayersModel, backbone: BackboneName): tf.Tensor {
  const [, timeSteps, height, width] = model.inputs[0]!.shape as number[];
  return tf.tidy(() => {
    const pixels = randomClips(2, { timeSteps: timeSteps!, height: height!, width: width! }, 7);
    return preprocessInput(pixels, BACKBONE_PREPROCESSING[backbone]);
  });
}

function predict(model: tf.LayersModel, clips: tf.Tensor): number[][] {
  return tf.tidy(() => (model.predict(clips) as tf.Tensor).arraySync() as number[][]);
}

function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

describe.each(CASES)('$backbone fixture', ({ backbone, classes, names, epsilon, scale }) => {
  let saved: { dir: string; model: tf.Sequential };
  let clips: tf.Tensor;

  beforeAll(async () => {
    // wasm: the cpu backend runs these convolutions several times slower.
    await useBackend('wasm');
    saved = await saveBackboneModel(backbone);
    clips = twoClips(saved.model, backbone);
  });

  afterAll(async () => {
    saved.model.dispose();
    clips.dispose();
    await rm(saved.dir, { recursive: true, force: true });
  });

  it("is a graph of Keras' layer classes under Keras' layer names", () => {
    const layers = backboneOf(saved.model).layers;
    const classNames = new Set(layers.map((layer) => layer.getClassName()));
    expect([...classNames]).toEqual(expect.arrayContaining(classes));
    expect(layers.map((layer) => layer.name)).toEqual(expect.arrayContaining(names));
    const batchNorms = layers.filter((layer) => layer.getClassName() === 'BatchNormalization');
    expect(batchNorms.length).toBeGreaterThan(0);
    for (const bn of batchNorms) expect(bn.getConfig()).toMatchObject({ epsilon, scale });
    expect(saved.model.layers.map((layer) => layer.getClassName())).toEqual([
      'TimeDistributed',
      'LSTM',
      'Dense',
    ]);
  });

  it('predicts probabilities that differ between clips and are not saturated', () => {
    const [first, second] = predict(saved.model, clips);
    for (const probabilities of [first!, second!]) {
      expect(probabilities.every(Number.isFinite)).toBe(true);
      expect(probabilities[0]! + probabilities[1]!).toBeCloseTo(1, 5);
      for (const p of probabilities) expect(p).toBeGreaterThan(0.02);
      for (const p of probabilities) expect(p).toBeLessThan(0.98);
    }
    expect(Math.abs(first![0]! - second![0]!)).toBeGreaterThan(1e-3);
  });

  it('builds the same weights from the same seed, and others from another', () => {
    const again = BACKBONES[backbone]({ seed: 1 });
    const other = BACKBONES[backbone]({ seed: 2 });
    expect(weightValues(again)).toEqual(weightValues(saved.model));
    expect(weightValues(other)[0]).not.toEqual(weightValues(saved.model)[0]);
    again.dispose();
    other.dispose();
  });

  it('leaves no tensor behind once built, run and disposed', () => {
    const before = tf.memory().numTensors;
    const model = BACKBONES[backbone]();
    predict(model, clips);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('saves a model that TensorFlow.js loads back to the same predictions', async () => {
    const loaded = await tf.loadLayersModel(directoryLoader(saved.dir));
    const expected = predict(saved.model, clips).flat();
    predict(loaded, clips)
      .flat()
      .forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 6));
    loaded.dispose();
  });

  it("saves framewise.json with class names and the backbone's preprocessing", async () => {
    const config: unknown = JSON.parse(await readFile(join(saved.dir, FRAMEWISE_JSON), 'utf8'));
    expect(config).toEqual({
      classNames: ['class_0', 'class_1'],
      input: BACKBONE_PREPROCESSING[backbone],
    });
  });

  it('saves a model that framewise loads, unfolded', async () => {
    const loaded = await loadModel(saved.dir, { fold: false });
    const embedding = backboneOf(saved.model).outputs[0]!.shape[1];
    expect(loaded.split.embeddingSize).toBe(embedding);
    expect(loaded.classNames).toEqual(['class_0', 'class_1']);
    loaded.dispose();
  });
});

describe("EfficientNetB0 fixture with Keras' ImageNet stem and drop-connect", () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('has rescaling_1 and block2b_drop, and loads back to the same predictions', async () => {
    const options = { imagenetStem: true, dropConnectRate: 0.2 };
    const { dir, model } = await saveBackboneModel('efficientnetb0', options);
    const names = backboneOf(model).layers.map((layer) => layer.name);
    expect(names).toEqual(expect.arrayContaining(['rescaling_1', 'block2b_drop']));
    const clips = twoClips(model, 'efficientnetb0');
    const expected = predict(model, clips);
    expect(Math.abs(expected[0]![0]! - expected[1]![0]!)).toBeGreaterThan(1e-3);
    const loaded = await tf.loadLayersModel(directoryLoader(dir));
    predict(loaded, clips)
      .flat()
      .forEach((p, i) => expect(p).toBeCloseTo(expected.flat()[i]!, 6));
    clips.dispose();
    model.dispose();
    loaded.dispose();
    await rm(dir, { recursive: true, force: true });
  });
});
