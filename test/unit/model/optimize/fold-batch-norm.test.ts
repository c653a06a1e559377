import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../../src/model/run/backend.js';
import {
  DEFAULT_PREPROCESSING,
  PREPROCESSING_PRESETS,
} from '../../../../src/model/load/framewise-config.js';
import { foldBatchNorm } from '../../../../src/model/optimize/fold-batch-norm.js';
import { prepareModel } from '../../../../src/model/load-model.js';
import { randomizeBatchNorm, saveSeedModel } from '../../../support/models.js';
import type { EncoderGraph } from '../../../../src/model/load/encoder-graph.js';

const SIZE = 20;

function frames(count: number): Uint8Array[] {
  let s = 11;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  return Array.from({ length: count }, () => Uint8Array.from({ length: SIZE * SIZE * 3 }, next));
}

/**
 * The seed architecture with a 2×2 grid of averages in place of its global pooling (a `valid`
 * AveragePooling2D then Flatten, as older Keras backbones end) and an LSTM of 8 units; its
 * BatchNorm layers get seeded statistics (as `saveSeedModel` gives the seed model's), so that
 * they matter to the result. On 20×20 frames the map is 9×9: 4×4 cells, a 256-wide embedding.
 */
function gridPooledModel(seed: number, classes: number): tf.Sequential {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed + offset });
  const encoder = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [SIZE, SIZE, 3],
        filters: 6,
        kernelSize: 3,
        strides: 2,
        activation: 'relu',
        kernelInitializer: init(0),
      }),
      tf.layers.batchNormalization(),
      tf.layers.conv2d({
        filters: 64,
        kernelSize: 1,
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tf.layers.batchNormalization(),
      tf.layers.averagePooling2d({ poolSize: 4, strides: 4 }),
      tf.layers.flatten(),
    ],
  });
  const model = tf.sequential();
  model.add(tf.layers.timeDistributed({ layer: encoder, inputShape: [4, SIZE, SIZE, 3] }));
  model.add(
    tf.layers.lstm({
      units: 8,
      kernelInitializer: init(10),
      recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 20, gain: 1 }),
    }),
  );
  model.add(
    tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: init(30) }),
  );
  randomizeBatchNorm(model, seed);
  return model;
}

/** The encoders under test: the seed's global pooling, and a grid of averages. */
const POOLINGS = [
  {
    name: 'global average pooling',
    pooling: ['GlobalAveragePooling2D'],
    features: 64,
    build: async (seed: number, classes: number) =>
      (await saveSeedModel({ height: SIZE, width: SIZE, seed, classes })).model,
  },
  {
    name: 'a grid of averages',
    pooling: ['AveragePooling2D', 'Flatten'],
    features: 4 * 64,
    build: async (seed: number, classes: number) => gridPooledModel(seed, classes),
  },
];

function classes(graph: EncoderGraph): string[] {
  return graph.nodes.map((node) => node.layer.getClassName());
}

function expectClose(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-4));
}

describe('foldBatchNorm', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it.each(POOLINGS)(
    'folds an encoder ending in $name: input scale and both BatchNorms, the last through the pooling, leaving the model as it was',
    async ({ pooling, build }) => {
      const model = await build(3, 2);
      const plain = prepareModel(model, {}, 'memory', { fold: false });
      const before = tf.memory().numTensors;
      const folded = foldBatchNorm(
        plain.split.encoder,
        plain.split.headLayers,
        DEFAULT_PREPROCESSING,
      );
      expect(folded.folded).toBe(3);
      expect(classes(folded.encoder)).toEqual(['Conv2D', 'Conv2D', ...pooling]);
      expect(folded.preprocessing.scale).toBe(1);
      expect(classes(plain.split.encoder)).toEqual([
        'Conv2D',
        'BatchNormalization',
        'Conv2D',
        'BatchNormalization',
        ...pooling,
      ]);
      for (const layer of folded.created) layer.dispose();
      expect(tf.memory().numTensors).toBe(before);
      plain.dispose();
    },
  );

  it.each(POOLINGS)(
    'gives the same window and stateful scores within 1e-4 (encoder ending in $name)',
    async ({ features, build }) => {
      const model = await build(5, 3);
      const plain = prepareModel(model, {}, 'memory', { fold: false });
      const fast = prepareModel(model, {}, 'memory');
      const input = frames(8);
      const e1 = plain.encoder.encode(input);
      const e2 = fast.encoder.encode(input);
      // The BatchNorm before the pooling moved into the LSTM: compare what the head makes of them.
      const d = plain.split.embeddingSize;
      expect(d).toBe(features);
      expectClose(
        plain.head.classifyWindows(e1.subarray(0, 4 * d), 1, 4),
        fast.head.classifyWindows(e2.subarray(0, 4 * d), 1, 4),
      );
      expectClose(plain.head.classifyWindows(e1, 2, 4), fast.head.classifyWindows(e2, 2, 4));
      const [s1, s2] = [plain.head.createState(), fast.head.createState()];
      expectClose(plain.head.step(s1, e1, 8, [3, 5, 7]), fast.head.step(s2, e2, 8, [3, 5, 7]));
      s1.dispose();
      s2.dispose();
      plain.dispose();
    },
  );
});

/**
 * A small graph encoder in the style of the Keras applications: a bias-free convolution before
 * each BatchNorm, a depthwise and a separable branch, and a 1×1 convolution whose output both
 * its BatchNorm and the residual `Add` read (so that BatchNorm must stay). BatchNorm statistics
 * seeded and non-trivial.
 */
function graphClassifier(seed: number): tf.LayersModel {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed + offset });
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  const bn = (name: string) => tf.layers.batchNormalization({ name });
  const conv = tf.layers.conv2d({
    name: 'stem_conv',
    filters: 8,
    kernelSize: 3,
    strides: 2,
    padding: 'same',
    useBias: false,
    kernelInitializer: init(0),
  });
  const stem = tf.layers
    .reLU({ maxValue: 6 })
    .apply(bn('stem_bn').apply(conv.apply(input))) as tf.SymbolicTensor;
  const depthwise = tf.layers.depthwiseConv2d({
    name: 'dw',
    kernelSize: 3,
    padding: 'same',
    useBias: false,
    depthwiseInitializer: init(1),
  });
  const a = tf.layers
    .activation({ activation: 'relu' })
    .apply(bn('dw_bn').apply(depthwise.apply(stem)));
  const separable = tf.layers.separableConv2d({
    name: 'sep',
    filters: 8,
    kernelSize: 3,
    padding: 'same',
    depthMultiplier: 2,
    depthwiseInitializer: init(2),
    pointwiseInitializer: init(3),
  });
  const b = bn('sep_bn').apply(separable.apply(stem));
  const shared = tf.layers
    .conv2d({ name: 'shared', filters: 8, kernelSize: 1, kernelInitializer: init(4) })
    .apply(stem) as tf.SymbolicTensor;
  const c = bn('shared_bn').apply(shared);
  const sum = tf.layers.add({ name: 'add' }).apply([a, b, c, shared] as tf.SymbolicTensor[]);
  const pooled = tf.layers.globalAveragePooling2d({}).apply(sum) as tf.SymbolicTensor;
  const backbone = tf.model({ inputs: input, outputs: pooled, name: 'backbone' });
  const model = tf.sequential();
  model.add(tf.layers.timeDistributed({ layer: backbone, inputShape: [4, SIZE, SIZE, 3] }));
  model.add(tf.layers.lstm({ units: 6, kernelInitializer: init(10) }));
  model.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: init(20) }));
  randomizeBatchNorm(model, seed);
  return model;
}

describe('foldBatchNorm on a graph', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('folds each BatchNorm into the convolution before it unless another reader shares it', () => {
    const model = graphClassifier(7);
    const plain = prepareModel(model, {}, 'memory', { fold: false });
    const folded = foldBatchNorm(
      plain.split.encoder,
      plain.split.headLayers,
      DEFAULT_PREPROCESSING,
    );
    // stem_bn, dw_bn, sep_bn into their convolutions, and the input scale into stem_conv.
    expect(folded.folded).toBe(4);
    expect(classes(folded.encoder)).toEqual([
      'Conv2D',
      'ReLU',
      'DepthwiseConv2D',
      'Activation',
      'SeparableConv2D',
      'Conv2D',
      'BatchNormalization',
      'Add',
      'GlobalAveragePooling2D',
    ]);
    expect(
      folded.encoder.nodes.find((n) => n.layer.getClassName() === 'BatchNormalization')!.layer.name,
    ).toBe('shared_bn');
    for (const layer of folded.created) layer.dispose();
    plain.dispose();
  });

  it('gives the same embeddings and scores within 1e-4', () => {
    const model = graphClassifier(9);
    const plain = prepareModel(model, {}, 'memory', { fold: false });
    const fast = prepareModel(model, {}, 'memory');
    const input = frames(8);
    const [e1, e2] = [plain.encoder.encode(input), fast.encoder.encode(input)];
    expectClose(e1, e2);
    expectClose(plain.head.classifyWindows(e1, 2, 4), fast.head.classifyWindows(e2, 2, 4));
    const clip = tf.tensor5d(
      Float32Array.from(
        input.flatMap((f) => [...f]),
        (v) => v / 255,
      ),
      [2, 4, SIZE, SIZE, 3],
    );
    const predicted = tf.tidy(() => (model.predict(clip) as tf.Tensor).dataSync() as Float32Array);
    expectClose(fast.head.classifyWindows(e2, 2, 4), predicted);
    clip.dispose();
    plain.dispose();
  });

  it.each([
    ['folds into a first convolution that pads nothing', 'seed', 1],
    ['stays before a first convolution that pads', 'graph', 0],
  ] as const)(
    'a per-channel mean and standard deviation (the torch preset) %s; scores equal within 1e-4',
    async (_what, kind, foldedInput) => {
      const model =
        kind === 'seed'
          ? (await saveSeedModel({ height: SIZE, width: SIZE, seed: 4, classes: 2 })).model
          : graphClassifier(4);
      const config = { input: PREPROCESSING_PRESETS.torch };
      const plain = prepareModel(model, config, 'memory', { fold: false });
      const folded = foldBatchNorm(
        plain.split.encoder,
        plain.split.headLayers,
        plain.preprocessing,
      );
      expect(folded.preprocessing.mean === undefined).toBe(foldedInput === 1);
      for (const layer of folded.created) layer.dispose();
      const fast = prepareModel(model, config, 'memory');
      const input = frames(8);
      const [e1, e2] = [plain.encoder.encode(input), fast.encoder.encode(input)];
      expectClose(plain.head.classifyWindows(e1, 2, 4), fast.head.classifyWindows(e2, 2, 4));
      plain.dispose();
    },
  );
});
