import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveModelToDirectory } from '../../src/model/load/model-files.js';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '../../src/model/load-model.js';
import { startOnnxEncoder } from '../../src/model/onnx-engine.js';
import { useBackend } from '../../src/model/run/backend.js';
import type { OnnxEncoder } from '../../src/model/run/onnx-encoder.js';
import { saveBackboneModel } from '../support/backbones/backbones.js';
import { saveSeedModel } from '../support/models.js';
import { parseJsonLines, runCli } from '../support/cli.js';
import { makeVideo } from '../support/videos.js';
import { DEFAULT_LABEL_OPTIONS } from '../../src/options/label-options.js';
import { labelVideo } from '../../src/pipeline/label-video.js';
import type { Label } from '../../src/pipeline/label.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/keras/', import.meta.url));

const MODELS: readonly [string, () => Promise<string>][] = [
  ['the seed model', async () => (await saveSeedModel({ height: 40, width: 40 })).dir],
  ['MobileNetV2', async () => (await saveBackboneModel('mobilenetv2')).dir],
  ['ResNet50', async () => (await saveBackboneModel('resnet50')).dir],
  ['EfficientNetB0', async () => (await saveBackboneModel('efficientnetb0')).dir],
  ['InceptionV3', async () => (await saveBackboneModel('inceptionv3')).dir],
  ...[
    'mobilenetv2-keras3',
    'efficientnetb0-keras3',
    'functional-gru-reset-after-keras3',
    'functional-gru-keras2',
    'rescaling-encoder-keras3',
    'sharded-simple-rnn-keras2',
    'stacked-lstm-keras3',
  ].map((name) => [name, async () => join(FIXTURES, name)] as [string, () => Promise<string>]),
];

function frames(count: number, length: number): Uint8Array[] {
  let s = 7;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  return Array.from({ length: count }, () => Uint8Array.from({ length }, next));
}

describe.each(MODELS)('%s on ONNX Runtime', (_name, make) => {
  let folded: LoadedModel;
  let plain: LoadedModel;
  let encoders: OnnxEncoder[] = [];
  let video: string;

  beforeAll(async () => {
    await useBackend('wasm');
    const dir = await make();
    [folded, plain] = [await loadModel(dir), await loadModel(dir, { fold: false })];
    video = await makeVideo({
      source: 'testsrc2',
      width: 96,
      height: 72,
      fps: 10,
      seconds: 1.2,
      codec: 'h264-mp4',
    });
  });
  afterAll(async () => {
    await Promise.all(encoders.map((e) => e.close()));
    encoders = [];
    folded.dispose();
    plain.dispose();
  });

  it.each([
    ['rewritten for inference', () => folded],
    ['as loaded', () => plain],
  ])("gives the TensorFlow.js encoder's embeddings within 1e-4 (%s)", async (_what, model) => {
    const m = model();
    const onnx = await startOnnxEncoder(m, { threads: 1, warmUpFrames: 1 });
    encoders.push(onnx);
    const { height, width, channels } = m.split;
    const input = frames(5, height * width * channels);
    const expected = m.encoder.encode(input);
    const actual = await onnx.encode(input);
    expect(actual.length).toBe(expected.length);
    let worst = 0;
    actual.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]!))));
    expect(worst).toBeLessThan(1e-4);
  });

  it.each(['window', 'stateful'] as const)(
    'labels in %s mode as the TensorFlow.js engine does, within 1e-4',
    async (mode) => {
      const onnx = await startOnnxEncoder(folded, { threads: 2, warmUpFrames: 1 });
      encoders.push(onnx);
      const options = { ...DEFAULT_LABEL_OPTIONS, mode, batch: 5 };
      const label = async (encoder?: OnnxEncoder) => {
        const labels: Label[] = [];
        const controls = encoder === undefined ? {} : { encoder };
        for await (const l of labelVideo(video, folded, options, controls)) labels.push(l);
        return labels;
      };
      const [expected, actual] = [await label(), await label(onnx)];
      expect(actual.map((l) => [l.frame, l.start])).toEqual(
        expected.map((l) => [l.frame, l.start]),
      );
      expect(actual.length).toBeGreaterThan(5);
      let worst = 0;
      actual.forEach((l, i) =>
        l.scores.forEach(
          (v, c) => (worst = Math.max(worst, Math.abs(v - expected[i]!.scores[c]!))),
        ),
      );
      expect(worst).toBeLessThan(1e-4);
    },
  );
});

describe('framewise label --engine', () => {
  it('runs the encoder on ONNX Runtime or TensorFlow.js as asked, with the same labels, and says which', async () => {
    const { dir } = await saveBackboneModel('efficientnetb0');
    const video = await makeVideo({
      source: 'mandelbrot',
      width: 96,
      height: 72,
      fps: 10,
      seconds: 1,
      codec: 'h264-mp4',
    });
    const run = async (engine: string) => {
      const { code, stdout, stderr } = await runCli([
        'label',
        video,
        '--model',
        dir,
        '--engine',
        engine,
        '--stats',
      ]);
      expect(code, stderr).toBe(0);
      const stats = JSON.parse(stderr.trim().split('\n').at(-1)!) as {
        engine: string;
        threads: number;
      };
      return { labels: parseJsonLines<{ scores: number[] }>(stdout), stats };
    };
    const [onnx, tfjs, auto] = [await run('onnx'), await run('tfjs'), await run('auto')];
    expect([onnx.stats.engine, tfjs.stats.engine, auto.stats.engine]).toEqual([
      'onnx',
      'tfjs',
      'onnx',
    ]);
    expect(onnx.labels).toHaveLength(7);
    onnx.labels.forEach((l, i) =>
      l.scores.forEach((v, c) =>
        expect(Math.abs(v - tfjs.labels[i]!.scores[c]!)).toBeLessThan(1e-4),
      ),
    );
  });

  it('falls back to TensorFlow.js with auto, saying which layer does not translate; refuses with onnx', async () => {
    const model = tf.sequential();
    const encoder = tf.sequential({
      layers: [
        tf.layers.cropping2D({ cropping: 1, inputShape: [12, 12, 3], name: 'crop' }),
        tf.layers.conv2d({ filters: 4, kernelSize: 3 }),
        tf.layers.globalAveragePooling2d({}),
      ],
    });
    model.add(tf.layers.timeDistributed({ layer: encoder, inputShape: [4, 12, 12, 3] }));
    model.add(tf.layers.lstm({ units: 4 }));
    model.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
    const dir = await mkdtemp(join(tmpdir(), 'framewise-crop-'));
    await saveModelToDirectory(model, dir);
    const video = await makeVideo({
      source: 'testsrc2',
      width: 24,
      height: 24,
      fps: 10,
      seconds: 0.6,
      codec: 'h264-mp4',
    });
    const auto = await runCli(['label', video, '--model', dir, '--stats']);
    expect(auto.code).toBe(0);
    expect(auto.stderr).toMatch(
      /^framewise label: encoder on TensorFlow.js, not ONNX Runtime: layer crop \(Cropping2D\) has no ONNX translation/m,
    );
    expect(JSON.parse(auto.stderr.trim().split('\n').at(-1)!)).toMatchObject({ engine: 'tfjs' });
    const onnx = await runCli(['label', video, '--model', dir, '--engine', 'onnx']);
    expect(onnx.code).toBe(2);
    expect(onnx.stderr.trim()).toMatch(
      /^framewise label: layer crop \(Cropping2D\) has no ONNX translation/,
    );
    model.dispose();
  });

  it.each([
    [
      'onnx',
      /^framewise label: ONNX Runtime cannot run on the GPU here \(.*\): it needs an NVIDIA GPU .* or use --device cpu$/,
    ],
    ['auto', /^framewise label: ONNX Runtime cannot run on the GPU here/],
    [
      'tfjs',
      /^framewise label: the TensorFlow.js engine runs on the GPU with @tensorflow\/tfjs-node-gpu, which does not load here .*--device cpu$/,
    ],
  ])(
    'refuses --device cuda with --engine %s where there is no GPU to use, exit 2, one line',
    async (engine, message) => {
      const { dir } = await saveSeedModel({ height: 24, width: 24 });
      const video = await makeVideo({
        source: 'testsrc2',
        width: 24,
        height: 24,
        fps: 10,
        seconds: 0.6,
        codec: 'h264-mp4',
      });
      const result = await runCli([
        'label',
        video,
        '--model',
        dir,
        '--engine',
        engine,
        '--device',
        'cuda',
      ]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    },
  );
});
