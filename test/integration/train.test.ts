import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderShots } from '../support/render-shots.js';
import { SeededRandom } from '../../src/train/seeded-random.js';
import { parseJsonLines, runCli } from '../support/cli.js';

interface TrainReport {
  best: { val_acc: number };
  classes: string[];
  trainVideos: number;
  validationVideos: number;
  trainWindows: number;
  validationWindows: number;
}

/**
 * A small balanced dataset: each video is a still colour shot ("calm") and a Game of Life
 * shot ("busy"), in random order; chance is 0.5.
 */
async function makeDataset(videos: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'framewise-train-'));
  const random = new SeededRandom(7);
  const rows = ['video,start,end,label'];
  for (let v = 0; v < videos; v++) {
    const calm = {
      source: `color=c=0x${random.colour()}`,
      seconds: 2,
      filters: 'noise=alls=10:allf=t',
    };
    const busy = {
      source: `life=seed=${random.integer(0, 1000)}:ratio=0.3:life_color=#${random.colour()}`,
      seconds: 2,
    };
    const calmFirst = random.next() < 0.5;
    const name = `v${v}.mp4`;
    await renderShots({
      out: join(dir, name),
      width: 64,
      height: 48,
      fps: 10,
      shots: calmFirst ? [calm, busy] : [busy, calm],
    });
    rows.push(
      `${name},0,2,${calmFirst ? 'calm' : 'busy'}`,
      `${name},2,4,${calmFirst ? 'busy' : 'calm'}`,
    );
  }
  await writeFile(join(dir, 'labels.csv'), `${rows.join('\n')}\n`);
  return dir;
}

describe('framewise train', () => {
  let data: string;

  beforeAll(async () => {
    data = await makeDataset(8);
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

  it('--change-layer puts a frozen change detector before the head, and the model labels in both modes', async () => {
    const out = await mkdtemp(join(tmpdir(), 'framewise-trained-'));
    const trained = await runCli([
      'train',
      ...['--data', data, '--out', out, '--size', '16', '--validation', '0.25'],
      ...['--learning-rate', '0.01', '--freeze-encoder', '--change-layer', '--epochs', '15'],
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(/designed \S+ as a change layer over 64 features/);
    expect((JSON.parse(trained.stdout) as TrainReport).best.val_acc).toBeGreaterThan(0.8);
    type Layer = { class_name: string; config: { units?: number; trainable: boolean } };
    const { modelTopology } = JSON.parse(await readFile(join(out, 'model.json'), 'utf8')) as {
      modelTopology: { config: { layers: Layer[] } };
    };
    const lstms = modelTopology.config.layers.filter((l) => l.class_name === 'LSTM');
    expect(lstms.map((l) => [l.config.units, l.config.trainable])).toEqual([
      [3 * 64 + 1, false],
      [32, true],
    ]);
    for (const mode of ['window', 'stateful']) {
      const labeled = await runCli(['label', join(data, 'v0.mp4'), '--model', out, '--mode', mode]);
      expect(labeled.code, labeled.stderr).toBe(0);
      const names = parseJsonLines<{ name: string }>(labeled.stdout).map((l) => l.name);
      expect(new Set(names)).toEqual(new Set(['busy', 'calm']));
    }
  });

  it('refuses --change-layer without --freeze-encoder', async () => {
    const out = await mkdtemp(join(tmpdir(), 'framewise-trained-'));
    const refused = await runCli(['train', '--data', data, '--out', out, '--change-layer']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--change-layer .* needs --freeze-encoder/);
  });

  it('refuses --change-layer on an --init model without one, saying what to do', async () => {
    const first = await mkdtemp(join(tmpdir(), 'framewise-trained-'));
    const common = ['--data', data, '--freeze-encoder', '--validation', '0.25', '--epochs', '1'];
    expect((await runCli(['train', ...common, '--out', first, '--size', '16'])).code).toBe(0);
    const out = await mkdtemp(join(tmpdir(), 'framewise-tuned-'));
    const refused = await runCli([
      'train',
      ...common,
      '--out',
      out,
      '--init',
      first,
      '--change-layer',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /must be an LSTM of 193 units .* of 32 units: train a new model/,
    );
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
