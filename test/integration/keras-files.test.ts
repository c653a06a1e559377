import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { loadArchiveWeights } from '../../src/model/load/keras-file.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '../../src/model/load-model.js';
import { useBackend } from '../../src/model/run/backend.js';
import { parseJsonLines, runCli } from '../support/cli.js';
import { embed, headScores, predictWindow } from '../support/keras-reference.js';
import { decodeReference, makeVideo } from '../support/videos.js';

interface LabelLine {
  frame: number;
  start: number;
  scores: number[];
}

const CONVERTED = fileURLToPath(new URL('../fixtures/keras/', import.meta.url));
const FILES = fileURLToPath(new URL('../fixtures/keras-files/', import.meta.url));

/**
 * Fixture, the Keras file kinds written of it, whether it runs in stateful mode, and its frame
 * size (the test videos are made at each size, so that the reference sees the very pixels
 * framewise does).
 */
const MODELS: [name: string, kinds: ('keras' | 'h5')[], stateful: boolean, size: number][] = [
  ['seed-lstm-keras2', ['h5'], true, 16],
  ['functional-gru-keras2', ['h5'], true, 16],
  ['stacked-lstm-keras3', ['keras', 'h5'], true, 16],
  ['functional-gru-reset-after-keras3', ['keras', 'h5'], true, 16],
  ['bidirectional-lstm-keras3', ['keras', 'h5'], false, 16],
  ['mobilenetv2-keras3', ['keras', 'h5'], true, 64],
  ['efficientnetb0-keras3', ['keras', 'h5'], true, 64],
];
const WINDOW = ['--stride', '1'];
const STATEFUL = ['--mode', 'stateful', '--stride', '2'];

/**
 * A Keras file in a directory of its own, beside the converted fixture's framewise.json (the
 * class names and preprocessing framewise reads next to the file).
 */
async function placed(name: string, kind: 'keras' | 'h5'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'framewise-keras-file-'));
  await copyFile(join(FILES, `${name}.${kind}`), join(dir, `model.${kind}`));
  await copyFile(join(CONVERTED, name, 'framewise.json'), join(dir, 'framewise.json'));
  return join(dir, `model.${kind}`);
}

async function label(video: string, model: string, args: readonly string[]): Promise<LabelLine[]> {
  const { code, stdout, stderr } = await runCli(['label', video, '--model', model, ...args]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return parseJsonLines<LabelLine>(stdout);
}

function expectSame(actual: LabelLine[], expected: LabelLine[], tolerance: number) {
  expect(actual.map((l) => l.frame)).toEqual(expected.map((l) => l.frame));
  actual.forEach((line, i) => expectClose(line.scores, expected[i]!.scores, tolerance));
}

function expectClose(actual: readonly number[], expected: ArrayLike<number>, tolerance: number) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, j) => expect(Math.abs(v - expected[j]!)).toBeLessThan(tolerance));
}

describe('Keras files: --model model.keras and model.h5', () => {
  /** A 2.4 s test video at each frame size, and its frames. */
  const videos = new Map<number, { path: string; frames: Uint8Array[] }>();
  let video: string;

  beforeAll(async () => {
    // The reference runs on TensorFlow.js' wasm backend: the cpu one is slow on backbones.
    await useBackend('wasm');
    for (const size of new Set(MODELS.map((m) => m[3]))) {
      const path = await makeVideo({
        source: 'testsrc2',
        width: size,
        height: size,
        fps: 10,
        seconds: 2.4,
        codec: 'png-mkv',
      });
      videos.set(size, { path, frames: decodeReference(path, { width: size, height: size }) });
    }
    video = videos.get(64)!.path;
  });

  describe.each(MODELS)('%s', (name, kinds, stateful, size) => {
    const modes: [string, string[]][] = [
      ['window mode', WINDOW],
      ...(stateful ? [['stateful mode', STATEFUL] as [string, string[]]] : []),
    ];
    let keras: LoadedModel;
    /** The converted form's labels, by mode: what the files and the ONNX form must give. */
    const convertedLabels = new Map<string[], Promise<LabelLine[]>>();
    const labelsOfConverted = (args: string[]) => {
      if (!convertedLabels.has(args)) {
        convertedLabels.set(args, label(videos.get(size)!.path, join(CONVERTED, name), args));
      }
      return convertedLabels.get(args)!;
    };

    beforeAll(async () => {
      // The model as the Keras file holds it, not rewritten for inference: the reference.
      keras = await loadModel(await placed(name, kinds[0]!), { fold: false });
    });
    afterAll(() => keras.dispose());

    it.each(modes)(
      "%s: each Keras file labels as its converted TensorFlow.js form within 1e-6, and as the model's predict() within 1e-4",
      { timeout: 60_000 },
      async (mode, args) => {
        const { path, frames } = videos.get(size)!;
        const files = await Promise.all(
          kinds.map(async (kind) => label(path, await placed(name, kind), args)),
        );
        const converted = await labelsOfConverted(args);
        expect(converted.length).toBeGreaterThan(5);
        for (const labels of files) expectSame(labels, converted, 1e-6);
        // Stateful mode's reference runs the head over every frame seen: embed them once.
        const embedded = mode === 'stateful mode' ? tf.keep(embed(keras, frames)) : undefined;
        try {
          for (const line of converted) {
            const reference =
              embedded === undefined
                ? predictWindow(keras, frames.slice(line.start, line.frame + 1))
                : headScores(keras, embedded.slice(0, line.frame + 1));
            expectClose(line.scores, reference, 1e-4);
          }
        } finally {
          embedded?.dispose();
        }
      },
    );

    it(
      'framewise convert --to onnx writes an ONNX model directory that labels as the model does, within 1e-4',
      { timeout: 60_000 },
      async () => {
        const { path } = videos.get(size)!;
        const file = await placed(name, kinds[0]!);
        const out = join(await mkdtemp(join(tmpdir(), 'framewise-onnx-')), 'model');
        const converted = await runCli(['convert', file, out, '--to', 'onnx']);
        expect(converted.stderr).toBe('');
        expect(converted.code).toBe(0);
        expect(JSON.parse(converted.stdout)).toMatchObject({
          model: out,
          format: 'onnx',
          stateful,
        });
        const config = JSON.parse(await readFile(join(out, 'framewise.json'), 'utf8')) as object;
        expect(config).toMatchObject({ format: 'onnx', input: { layout: 'nhwc', height: size } });
        expectSame(await label(path, out, WINDOW), await labelsOfConverted(WINDOW), 1e-4);
        if (stateful) {
          expectSame(await label(path, out, STATEFUL), await labelsOfConverted(STATEFUL), 1e-4);
        } else {
          const refused = await runCli(['label', path, '--model', out, ...STATEFUL]);
          expect(refused.code).toBe(2);
          expect(refused.stderr).toMatch(/has no state inputs .* cannot run in stateful mode/);
        }
      },
    );
  });

  it.each([
    ['stacked-lstm-keras3', 'keras'],
    ['seed-lstm-keras2', 'h5'],
  ] as const)(
    'framewise convert writes %s.%s as a TensorFlow.js model directory that labels the same',
    { timeout: 60_000 },
    async (name, kind) => {
      const out = join(await mkdtemp(join(tmpdir(), 'framewise-converted-')), 'model');
      const converted = await runCli(['convert', await placed(name, kind), out]);
      expect(converted.stderr).toBe('');
      expect(converted.code).toBe(0);
      expect(JSON.parse(converted.stdout)).toMatchObject({ model: out, format: 'tfjs' });
      const path = videos.get(16)!.path;
      expectSame(
        await label(path, out, WINDOW),
        await label(path, join(CONVERTED, name), WINDOW),
        1e-6,
      );
      const again = await runCli(['convert', await placed(name, kind), out]);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/is not empty/);
    },
  );

  it('loads Keras files by http URL, with the framewise.json beside them, and names a missing one', async () => {
    // One directory per model, each Keras file beside its own framewise.json.
    const dir = await mkdtemp(join(tmpdir(), 'framewise-keras-served-'));
    const models = [
      ['stacked-lstm-keras3', 'keras'],
      ['seed-lstm-keras2', 'h5'],
    ] as const;
    for (const [name, kind] of models) {
      await mkdir(join(dir, name));
      await copyFile(join(FILES, `${name}.${kind}`), join(dir, name, `model.${kind}`));
      await copyFile(join(CONVERTED, name, 'framewise.json'), join(dir, name, 'framewise.json'));
    }
    const server = createServer((request, response) => {
      const parts = (request.url ?? '/').split('/').filter((part) => /^[\w.-]+$/.test(part));
      readFile(join(dir, ...parts.filter((part) => part !== '..'))).then(
        (body) => response.end(body),
        () => response.writeHead(404).end(),
      );
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const path = videos.get(16)!.path;
      for (const [name, kind] of models) {
        const { code, stdout, stderr } = await runCli([
          'label',
          path,
          '--model',
          `${base}/${name}/model.${kind}`,
          ...WINDOW,
        ]);
        expect(stderr).toBe('');
        expect(code).toBe(0);
        const served = parseJsonLines<LabelLine & { name: string }>(stdout);
        expectSame(served, await label(path, join(CONVERTED, name), WINDOW), 1e-6);
        expect(served[0]!.name).toMatch(/^(calm|busy|other)$/);
      }
      const missing = await runCli(['label', path, '--model', `${base}/missing.keras`]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/missing\.keras answered HTTP 404/);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it(
    'framewise convert --to onnx takes a TensorFlow.js model directory too (SimpleRNN, Normalization on raw pixels)',
    { timeout: 60_000 },
    async () => {
      const source = join(CONVERTED, 'sharded-simple-rnn-keras2');
      const out = join(await mkdtemp(join(tmpdir(), 'framewise-onnx-')), 'model');
      const converted = await runCli(['convert', source, out, '--to', 'onnx']);
      expect(converted.code).toBe(0);
      const path = videos.get(16)!.path;
      for (const args of [WINDOW, STATEFUL]) {
        expectSame(await label(path, out, args), await label(path, source, args), 1e-4);
      }
      const tfjs = await runCli(['convert', source, join(out, '..', 'tfjs')]);
      expect(tfjs.code).toBe(2);
      expect(tfjs.stderr).toMatch(/convert reads \.keras and \.h5 files \(and, with --to onnx/);
    },
  );

  it('framewise convert --to onnx refuses a model framewise cannot run, naming the layer, and writes nothing', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'framewise-onnx-refused-')), 'model');
    const { code, stderr } = await runCli([
      'convert',
      join(CONVERTED, 'refused-conv3d-keras2'),
      out,
      '--to',
      'onnx',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/conv3d \(Conv3D\)/);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  describe("a file Keras wrote (Keras' own test fixture, Keras 3.15)", () => {
    const file = join(FILES, 'public', 'pre_pr22362_nested_container.keras');

    it('reads its weights where framewise expects them, with the values Keras saved', async () => {
      const members = unzipSync(await readFile(file));
      // The subclassed model's layers, as a Sequential model: three Dense(4) then Dense(2).
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ units: 4, useBias: false, inputShape: [4] }),
          tf.layers.dense({ units: 4, useBias: false }),
          tf.layers.dense({ units: 4, useBias: false }),
          tf.layers.dense({ units: 2 }),
        ],
      });
      try {
        loadArchiveWeights(model, members['model.weights.h5']!, file);
        const values = model.layers.map((layer) =>
          layer.getWeights().map((w) => [...new Set(w.dataSync())]),
        );
        expect(values).toEqual([
          [[Math.fround(0.1)]],
          [[Math.fround(0.2)]],
          [[Math.fround(0.3)]],
          [[0.5], [0]],
        ]);
      } finally {
        model.dispose();
      }
    });

    it('refuses the subclassed model, naming it, exit 2', async () => {
      const { code, stderr } = await runCli(['label', video, '--model', file]);
      expect(code).toBe(2);
      expect(stderr).toMatch(
        /holds a NestedDenseModel where a Sequential or Functional model should be/,
      );
    });
  });

  describe('refusals, exit 2 with the reason', () => {
    /** A .keras archive like the stacked-LSTM one, with its JSON members changed. */
    async function archive(change: {
      config?: (config: Record<string, unknown>) => unknown;
      metadata?: unknown;
      drop?: string;
      add?: Record<string, Uint8Array>;
    }): Promise<string> {
      const members = unzipSync(await readFile(join(FILES, 'stacked-lstm-keras3.keras')));
      const config = JSON.parse(new TextDecoder().decode(members['config.json'])) as Record<
        string,
        unknown
      >;
      if (change.config) members['config.json'] = strToU8(JSON.stringify(change.config(config)));
      if (change.metadata) members['metadata.json'] = strToU8(JSON.stringify(change.metadata));
      if (change.drop) delete members[change.drop];
      Object.assign(members, change.add ?? {});
      const dir = await mkdtemp(join(tmpdir(), 'framewise-keras-refused-'));
      await writeFile(join(dir, 'model.keras'), zipSync(members));
      return join(dir, 'model.keras');
    }

    const layers = (config: Record<string, unknown>) =>
      (config.config as { layers: Record<string, unknown>[] }).layers;

    it.each([
      [
        'a Lambda layer',
        () =>
          archive({
            config: (c) => {
              layers(c).splice(2, 0, {
                module: 'keras.layers',
                class_name: 'Lambda',
                config: { name: 'lambda', function: { class_name: '__lambda__', config: {} } },
                registered_name: null,
              });
              return c;
            },
          }),
        /Lambda layer, lambda, whose Python code the file does not hold/,
      ],
      [
        'a custom layer',
        () =>
          archive({
            config: (c) => {
              layers(c).splice(2, 0, {
                module: 'my_project.layers',
                class_name: 'Gate',
                config: { name: 'gate' },
                registered_name: 'MyProject>Gate',
              });
              return c;
            },
          }),
        /custom layer, gate \(MyProject>Gate\)/,
      ],
      [
        'a layer where a model should be',
        () => archive({ config: (c) => ({ ...c, class_name: 'Dense' }) }),
        /holds a Dense where a Sequential or Functional model should be/,
      ],
      [
        'a Keras 1 archive',
        () => archive({ metadata: { keras_version: '1.2.2' } }),
        /written by Keras 1\.2\.2; framewise reads files of Keras 3/,
      ],
      [
        'npz weights',
        () =>
          archive({ drop: 'model.weights.h5', add: { 'model.weights.npz': new Uint8Array([1]) } }),
        /keeps its weights in model\.weights\.npz/,
      ],
      [
        'a weights-only .h5',
        async () => {
          const dir = await mkdtemp(join(tmpdir(), 'framewise-keras-refused-'));
          await copyFile(join(FILES, 'refused-weights-only.h5'), join(dir, 'weights.h5'));
          return join(dir, 'weights.h5');
        },
        /holds no model_config: it has weights only/,
      ],
      [
        'a file that is not Keras',
        async () => {
          const dir = await mkdtemp(join(tmpdir(), 'framewise-keras-refused-'));
          await writeFile(join(dir, 'model.h5'), 'not a model');
          return join(dir, 'model.h5');
        },
        /is neither a \.keras archive \(zip\) nor an HDF5 file/,
      ],
    ])('%s', async (_what, make, message) => {
      const { code, stderr } = await runCli(['label', video, '--model', await make()]);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    });
  });
});
