import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { loadArchiveWeights } from '../../src/model/load/keras-file.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseJsonLines, runCli } from '../support/cli.js';
import { makeVideo } from '../support/videos.js';

interface LabelLine {
  frame: number;
  scores: number[];
}

const CONVERTED = fileURLToPath(new URL('../fixtures/keras/', import.meta.url));
const FILES = fileURLToPath(new URL('../fixtures/keras-files/', import.meta.url));

/** Fixture, the Keras file kinds written of it, and whether it runs in stateful mode. */
const MODELS: [name: string, kinds: ('keras' | 'h5')[], stateful: boolean][] = [
  ['seed-lstm-keras2', ['h5'], true],
  ['functional-gru-keras2', ['h5'], true],
  ['stacked-lstm-keras3', ['keras', 'h5'], true],
  ['functional-gru-reset-after-keras3', ['keras', 'h5'], true],
  ['bidirectional-lstm-keras3', ['keras', 'h5'], false],
  ['mobilenetv2-keras3', ['keras', 'h5'], true],
];

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
  actual.forEach((line, i) => {
    const reference = expected[i]!.scores;
    expect(line.scores).toHaveLength(reference.length);
    line.scores.forEach((v, j) => expect(Math.abs(v - reference[j]!)).toBeLessThan(tolerance));
  });
}

describe('Keras files: --model model.keras and model.h5', () => {
  let video: string;

  beforeAll(async () => {
    video = await makeVideo({
      source: 'testsrc2',
      width: 64,
      height: 64,
      fps: 10,
      seconds: 2.4,
      codec: 'png-mkv',
    });
  });

  describe.each(MODELS)('%s', (name, kinds, stateful) => {
    const modes: [string, string[]][] = [
      ['window mode', ['--stride', '1']],
      ...(stateful
        ? [['stateful mode', ['--mode', 'stateful', '--stride', '2']] as [string, string[]]]
        : []),
    ];
    it.each(modes)(
      '%s: each Keras file labels as its converted TensorFlow.js form, within 1e-6',
      { timeout: 60_000 },
      async (_mode, args) => {
        const converted = await label(video, join(CONVERTED, name), args);
        expect(converted.length).toBeGreaterThan(5);
        for (const kind of kinds) {
          expectSame(await label(video, await placed(name, kind), args), converted, 1e-6);
        }
      },
    );
  });

  it.each([
    ['stacked-lstm-keras3', 'keras'],
    ['seed-lstm-keras2', 'h5'],
  ] as const)(
    'framewise convert writes %s.%s as a model directory that labels the same',
    { timeout: 60_000 },
    async (name, kind) => {
      const out = join(await mkdtemp(join(tmpdir(), 'framewise-converted-')), 'model');
      const converted = await runCli(['convert', await placed(name, kind), out]);
      expect(converted.stderr).toBe('');
      expect(converted.code).toBe(0);
      expect(JSON.parse(converted.stdout)).toMatchObject({ model: out });
      const args = ['--stride', '1'];
      expectSame(
        await label(video, out, args),
        await label(video, join(CONVERTED, name), args),
        1e-6,
      );
      const again = await runCli(['convert', await placed(name, kind), out]);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/is not empty/);
    },
  );

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
