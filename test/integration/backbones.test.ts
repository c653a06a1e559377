import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '../../src/model/load-model.js';
import { useBackend } from '../../src/model/run/backend.js';
import { EncoderPool } from '../../src/model/run/encoder-pool.js';
import { DEFAULT_LABEL_OPTIONS } from '../../src/options/label-options.js';
import { labelVideo } from '../../src/pipeline/label-video.js';
import type { Label } from '../../src/pipeline/label.js';
import {
  BACKBONE_PREPROCESSING,
  saveBackboneModel,
  type BackboneName,
} from '../support/backbones/backbones.js';
import { preprocessInput } from '../support/backbones/preprocess-input.js';
import { parseJsonLines, runCli } from '../support/cli.js';
import { decodeReference, makeVideo } from '../support/videos.js';

/**
 * Real backbones inside TimeDistributed: framewise's labels against the monolithic model's
 * `predict()` (window mode) and against the head run over the whole sequence (stateful mode),
 * with the encoder as loaded and rewritten for inference, on the main thread and on an encoder
 * thread. The references preprocess the frames themselves, as Keras' `preprocess_input` does.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/keras/', import.meta.url));
const WINDOW = 4;
const FRAMES = 9;

/** A model directory, and the reference to check framewise against. */
interface Made {
  readonly dir: string;
  /** The model as TensorFlow.js runs it. */
  readonly model: tf.LayersModel;
  /** RGB frames `[n, H, W, 3]` (0–255) as the model's input, preprocessed independently of framewise. */
  readonly input: (pixels: tf.Tensor) => tf.Tensor;
  readonly dispose: () => void;
}

interface Backbone {
  readonly name: string;
  readonly size: number;
  readonly make: () => Promise<Made>;
}

/** A classifier built in memory: the reference is that model, with Keras' `preprocess_input`. */
const built = (name: BackboneName, size: number): Backbone => ({
  name,
  size,
  make: async () => {
    const { dir, model } = await saveBackboneModel(name);
    return {
      dir,
      model,
      input: (pixels) => preprocessInput(pixels, BACKBONE_PREPROCESSING[name]),
      dispose: () => model.dispose(),
    };
  },
});

/**
 * Converter output (`test/fixtures/keras/`): the reference is the model TensorFlow.js loads
 * from it, on its own `predict()`, with the backbone's preprocessing written out here (`input`),
 * which framewise must have read from framewise.json as `preprocessing`.
 */
const converted = (
  name: string,
  preprocessing: { scale: number; offset: number },
  input: Made['input'],
): Backbone => ({
  name,
  size: 64,
  make: async () => {
    const dir = join(FIXTURES, name);
    const loaded = await loadModel(dir, { fold: false });
    expect(loaded.preprocessing).toMatchObject(preprocessing);
    return { dir, model: loaded.model, input, dispose: () => loaded.dispose() };
  },
});

const BACKBONES: readonly Backbone[] = [
  built('mobilenetv2', 64),
  built('resnet50', 64),
  built('efficientnetb0', 64),
  built('inceptionv3', 96),
  // MobileNet's preprocessing: x / 127.5 − 1.
  converted('mobilenetv2-keras3', { scale: 1 / 127.5, offset: -1 }, (pixels) =>
    tf.tidy(() => pixels.div(127.5).sub(1)),
  ),
  // EfficientNet preprocesses itself (Rescaling, Normalization): raw 0–255 pixels go in.
  converted('efficientnetb0-keras3', { scale: 1, offset: 0 }, (pixels) => pixels),
];

/** Frames as one float tensor `[n, H, W, 3]` of their 0–255 values. */
function pixels(frames: readonly Uint8Array[], size: number): tf.Tensor {
  return tf.tensor4d(Float32Array.from(frames.flatMap((f) => Array.from(f))), [
    frames.length,
    size,
    size,
    3,
  ]);
}

function expectClose(actual: readonly number[], expected: ArrayLike<number>): void {
  expect(actual).toHaveLength(expected.length);
  let worst = 0;
  actual.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]!))));
  expect(worst).toBeLessThan(1e-4);
}

describe.each(BACKBONES)('the $name backbone', ({ size, make }) => {
  let made: Made;
  let video: string;
  /** RGB, as the references take them (framewise decodes in the model's own channel order). */
  let frames: Uint8Array[];

  beforeAll(async () => {
    await useBackend('wasm');
    made = await make();
    video = await makeVideo({
      source: 'mandelbrot',
      width: size,
      height: size,
      fps: 10,
      seconds: FRAMES / 10,
      codec: 'png-mkv',
    });
    frames = decodeReference(video, { width: size, height: size });
    expect(frames).toHaveLength(FRAMES);
  });
  afterAll(() => made.dispose());

  /** Window mode's reference: the whole model's `predict()` on the window. */
  const predictWindow = (start: number) =>
    tf.tidy(() => {
      const clip = made.input(pixels(frames.slice(start, start + WINDOW), size));
      return (made.model.predict(clip.expandDims(0)) as tf.Tensor).dataSync() as Float32Array;
    });

  /** Stateful mode's reference: the backbone frame by frame, then the head over the sequence. */
  const sequenceScores = (last: number) =>
    tf.tidy(() => {
      const [wrapper, ...head] = made.model.layers.filter((l) => l.getClassName() !== 'InputLayer');
      const backbone = (wrapper as unknown as { layer: tf.LayersModel }).layer;
      const clip = made.input(pixels(frames.slice(0, last + 1), size));
      let x = (backbone.predict(clip) as tf.Tensor).expandDims(0);
      for (const layer of head) x = layer.apply(x, { training: false }) as tf.Tensor;
      return x.dataSync() as Float32Array;
    });

  const run = async (fold: boolean, threads: boolean, mode: 'window' | 'stateful') => {
    const model = await loadModel(made.dir, { fold });
    const encoder = threads
      ? await EncoderPool.start({ location: made.dir, threads: 1, backend: 'wasm', fold })
      : undefined;
    try {
      const labels: Label[] = [];
      const options = { ...DEFAULT_LABEL_OPTIONS, window: WINDOW, mode, batch: 5 };
      for await (const label of labelVideo(
        video,
        model,
        options,
        encoder === undefined ? {} : { encoder },
      )) {
        labels.push(label);
      }
      return labels;
    } finally {
      await encoder?.close();
      model.dispose();
    }
  };

  it.each([
    [false, false],
    [true, false],
    [true, true],
    [false, true],
  ])(
    'window mode equals predict() within 1e-4 (rewritten for inference: %s, encoder thread: %s)',
    async (fold, threads) => {
      const labels = await run(fold, threads, 'window');
      expect(labels.map((l) => l.frame)).toEqual(
        Array.from({ length: FRAMES - WINDOW + 1 }, (_, i) => i + WINDOW - 1),
      );
      for (const label of labels) expectClose(label.scores, predictWindow(label.start));
    },
  );

  it.each([
    [false, false],
    [true, false],
    [true, true],
    [false, true],
  ])(
    'stateful mode equals the head over the whole sequence within 1e-4 (rewritten: %s, thread: %s)',
    async (fold, threads) => {
      const labels = await run(fold, threads, 'stateful');
      expect(labels).toHaveLength(FRAMES - WINDOW + 1);
      for (const label of labels) expectClose(label.scores, sequenceScores(label.frame));
    },
  );

  it('folds every BatchNorm of the backbone into its convolutions', async () => {
    const batchNorms = (model: LoadedModel) =>
      model.encoder.graph.nodes.filter((n) => n.layer.getClassName() === 'BatchNormalization')
        .length;
    const [plain, folded] = [await loadModel(made.dir, { fold: false }), await loadModel(made.dir)];
    expect(batchNorms(plain)).toBeGreaterThan(4);
    expect(batchNorms(folded)).toBe(0);
    plain.dispose();
    folded.dispose();
  });

  it('keeps the tensor count flat over a run', async () => {
    const model = await loadModel(made.dir);
    const options = { ...DEFAULT_LABEL_OPTIONS, window: WINDOW, batch: 5 };
    const count = async () => {
      for await (const _label of labelVideo(video, model, options));
      return tf.memory().numTensors;
    };
    const first = await count();
    expect(await count()).toBe(first);
    model.dispose();
  });
});

describe('framewise label with a backbone', () => {
  it('labels a video with TimeDistributed(MobileNetV2) from the command line, as the issue tried', async () => {
    const { dir, model } = await saveBackboneModel('mobilenetv2');
    model.dispose();
    const video = await makeVideo({
      source: 'testsrc2',
      width: 160,
      height: 120,
      fps: 10,
      seconds: 1.2,
      codec: 'h264-mp4',
    });
    const { code, stdout, stderr } = await runCli(['label', video, '--model', dir, '--stats']);
    expect(stderr.split('\n').filter((line) => line.startsWith('framewise'))).toEqual([]);
    expect(code).toBe(0);
    const labels = parseJsonLines<{ frame: number; name: string; scores: number[] }>(stdout);
    expect(labels.map((l) => l.frame)).toEqual(Array.from({ length: 9 }, (_, i) => i + 3));
    expect(labels.every((l) => l.name.startsWith('class_') && l.scores.length === 2)).toBe(true);
  });
});
