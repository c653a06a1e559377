import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareModel } from '../../src/model/load-model.js';
import { useBackend } from '../../src/model/run/backend.js';
import { LABELS_CSV, readAnnotations } from '../../src/train/annotations.js';
import { buildSeedModel } from '../../src/train/seed-model.js';
import { trainOnDataset } from '../../src/train/train-dataset.js';
import type { TrainingWindows } from '../../src/train/training-hooks.js';
import { parseJsonLines, runCli } from '../support/cli.js';
import { makeCalmBusyDataset } from '../support/calm-busy-dataset.js';

interface TrainReport {
  best: { val_acc: number };
  classes: string[];
  trainVideos: number;
  validationVideos: number;
  trainWindows: number;
  validationWindows: number;
}

describe('framewise train', () => {
  let data: string;

  beforeAll(async () => {
    data = await makeCalmBusyDataset(8);
  });

  // Full training runs TensorFlow.js' pure-JS convolution gradients: a few epochs only.
  it.each([
    ['--freeze-encoder', ['--freeze-encoder', '--epochs', '15']],
    ['full training on the cpu backend', ['--backend', 'cpu', '--epochs', '3']],
  ])(
    '%s learns: validation accuracy well above chance, and the model labels',
    { timeout: 180_000 },
    async (_name, extra) => {
      const out = await mkdtemp(join(tmpdir(), 'framewise-trained-'));
      const trained = await runCli([
        'train',
        '--data',
        data,
        '--out',
        out,
        '--size',
        '16',
        '--validation',
        '0.25',
        '--learning-rate',
        '0.01',
        ...extra,
      ]);
      expect(trained.code, trained.stderr).toBe(0);
      expect(trained.stderr).toMatch(
        /epoch 1\/\d+ {2}loss \d\.\d{4} {2}acc \d\.\d{4} {2}val_loss \d\.\d{4} {2}val_acc \d\.\d{4}/,
      );
      const report = JSON.parse(trained.stdout) as TrainReport;
      expect(report).toMatchObject({
        classes: ['busy', 'calm'],
        trainVideos: 6,
        validationVideos: 2,
      });
      expect(report.validationWindows).toBe(2 * 37);
      expect(report.best.val_acc).toBeGreaterThan(0.8);

      const labeled = await runCli(['label', join(data, 'v0.mp4'), '--model', out]);
      expect(labeled.code).toBe(0);
      const names = parseJsonLines<{ name: string }>(labeled.stdout).map((l) => l.name);
      expect(new Set(names)).toEqual(new Set(['busy', 'calm']));
    },
  );

  it('--init fine-tunes an existing model and keeps its shape', async () => {
    const first = await mkdtemp(join(tmpdir(), 'framewise-trained-'));
    const tuned = await mkdtemp(join(tmpdir(), 'framewise-tuned-'));
    const common = ['--data', data, '--freeze-encoder', '--validation', '0.25', '--epochs', '2'];
    expect((await runCli(['train', ...common, '--out', first, '--size', '16'])).code).toBe(0);
    const result = await runCli(['train', ...common, '--out', tuned, '--init', first]);
    expect(result.code, result.stderr).toBe(0);
    const model = JSON.parse(await readFile(join(tuned, 'model.json'), 'utf8')) as {
      modelTopology: unknown;
    };
    expect(JSON.stringify(model.modelTopology)).toContain('[null,4,16,16,3]');
    const config = JSON.parse(await readFile(join(tuned, 'framewise.json'), 'utf8')) as object;
    expect(config).toMatchObject({ classNames: ['busy', 'calm'], window: 4, fps: 10 });
  });

  it('runs the training hooks: prepareHead and augment once on the cut windows, augmentEpoch each epoch', async () => {
    await useBackend('cpu');
    const out = await mkdtemp(join(tmpdir(), 'framewise-trained-'));
    const seed = buildSeedModel({ height: 16, width: 16 });
    const model = prepareModel(seed, {}, 'a seed model', { fold: false });
    const calls: string[] = [];
    let cut: TrainingWindows | undefined;
    try {
      const report = await trainOnDataset(model, {
        dataDir: data,
        outDir: out,
        annotations: await readAnnotations(join(data, LABELS_CSV)),
        ...{ window: 4, stride: 1, epochs: 2, batchSize: 32, learningRate: 0.01, patience: 5 },
        ...{ validationFraction: 0.25, frozenEncoder: true, seed: 1 },
        hooks: {
          prepareHead: (prepared, train) => {
            calls.push(prepared === model ? 'prepareHead(model)' : 'prepareHead(another model)');
            cut = train;
          },
          augment: (train) => {
            calls.push(train === cut ? 'augment(the same windows)' : 'augment(other windows)');
            const { inputs, labels } = train.examples;
            return { inputs: [...inputs, ...inputs], labels: [...labels, ...labels] };
          },
          augmentEpoch: (inputs, epoch) => {
            calls.push(`augmentEpoch(${inputs.shape.join('×')}, ${epoch})`);
            return inputs;
          },
        },
        onProgress: () => {},
      });
      // Six training videos of 37 windows each, doubled by augment.
      expect(calls).toEqual([
        'prepareHead(model)',
        'augment(the same windows)',
        'augmentEpoch(444×4×64, 1)',
        'augmentEpoch(444×4×64, 2)',
      ]);
      expect(report).toMatchObject({ trainVideos: 6, trainWindows: 444, epochs: 2 });
      expect(cut).toMatchObject({ embeddings: true, window: 4, classes: ['busy', 'calm'] });
      expect(cut!.examples.inputs[0]).toHaveLength(4 * 64);
      expect(cut!.videos).toHaveLength(6);
      // Windows are cut video after video: 37 of video 0, then 37 of video 1, …
      expect(cut!.videoOfWindow).toEqual(Array.from({ length: 222 }, (_, i) => Math.floor(i / 37)));
    } finally {
      model.dispose();
    }
  });

  it('refuses full training on wasm, saying what to do', async () => {
    const out = await mkdtemp(join(tmpdir(), 'framewise-trained-'));
    const refused = await runCli(['train', '--data', data, '--out', out, '--backend', 'wasm']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /wasm backend lacks.*--backend cpu or tensorflow, or --freeze-encoder/,
    );
  });
});
