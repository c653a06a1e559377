import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../../src/model/run/backend.js';
import { buildMobileNetV2Classifier } from '../../../support/backbones/mobilenet-v2.js';

/**
 * Keras' `MobileNetV2(alpha=1.0, include_top=False)`, counted from
 * `keras/src/applications/mobilenet_v2.py`: the input, the stem's 3 layers, block 0's 5,
 * blocks 1–16's 8 each, 4 `ZeroPadding2D` (stride-2 blocks 1, 3, 6, 13), 10 residual `Add`s and
 * `Conv_1`/`Conv_1_bn`/`out_relu`. The parameters are those of Keras' published summary
 * (2,223,872 trainable, 34,112 BatchNorm moving statistics); they do not depend on the input
 * size.
 */
const KERAS_LAYERS = 1 + 3 + 5 + 16 * 8 + 4 + 10 + 3;
const KERAS_PARAMETERS = 2_257_984;
/** Keras' layers of that network by class. */
const KERAS_LAYER_CLASSES = {
  InputLayer: 1,
  Conv2D: 35,
  DepthwiseConv2D: 17,
  BatchNormalization: 52,
  ReLU: 35,
  ZeroPadding2D: 4,
  Add: 10,
};
/** Blocks whose input and output have the same stride and width, so Keras adds them. */
const RESIDUAL_BLOCKS = [2, 4, 5, 7, 8, 9, 11, 12, 14, 15];

function backboneOf(model: tf.LayersModel): tf.LayersModel {
  return (model.layers[0] as unknown as { layer: tf.LayersModel }).layer;
}

function layerNames(model: tf.LayersModel): string[] {
  return backboneOf(model).layers.map((layer) => layer.name);
}

describe('buildMobileNetV2Classifier', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it("builds Keras' whole network with blocks: 'all', its layers and parameters at alpha 1.0", () => {
    const before = tf.memory().numTensors;
    // 96×96 keeps the test fast: the counts do not depend on the input size.
    const model = buildMobileNetV2Classifier({ alpha: 1, blocks: 'all', height: 96 });
    const backbone = backboneOf(model);
    const layers = backbone.layers.slice(0, -1);
    expect(backbone.layers.at(-1)!.getClassName()).toBe('GlobalAveragePooling2D');
    expect(layers).toHaveLength(KERAS_LAYERS);
    const counts: Record<string, number> = {};
    for (const layer of layers) {
      counts[layer.getClassName()] = (counts[layer.getClassName()] ?? 0) + 1;
    }
    expect(counts).toEqual(KERAS_LAYER_CLASSES);
    expect(backbone.countParams()).toBe(KERAS_PARAMETERS);
    expect(layers.at(-1)!.outputShape).toEqual([null, 3, 3, 1280]);
    expect(backbone.outputs[0]!.shape).toEqual([null, 1280]);
    const adds = layers.filter((layer) => layer.getClassName() === 'Add');
    expect(adds.map((layer) => layer.name)).toEqual(RESIDUAL_BLOCKS.map((id) => `block_${id}_add`));
    expect(backbone.name).toBe('mobilenetv2_1.00_96');
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('builds blocks 0–4 by default, and the first `blocks` when asked', () => {
    const small = buildMobileNetV2Classifier();
    const seven = buildMobileNetV2Classifier({ blocks: 7 });
    expect(layerNames(small)).toEqual(expect.arrayContaining(['block_4_add', 'Conv_1']));
    expect(layerNames(small).some((name) => name.startsWith('block_5_'))).toBe(false);
    expect(layerNames(seven)).toEqual(expect.arrayContaining(['block_6_pad', 'block_6_project']));
    expect(layerNames(seven).some((name) => name.startsWith('block_7_'))).toBe(false);
    small.dispose();
    seven.dispose();
  });

  it.each([0, 18, 2.5])('refuses blocks: %s', (blocks) => {
    expect(() => buildMobileNetV2Classifier({ blocks })).toThrow(
      `blocks must be an integer from 1 to 17 or 'all', got ${blocks}`,
    );
  });

  it('refuses an alpha that is not above 0', () => {
    expect(() => buildMobileNetV2Classifier({ alpha: 0 })).toThrow('alpha must be > 0, got 0');
  });
});
