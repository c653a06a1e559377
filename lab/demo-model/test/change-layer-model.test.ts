import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { prepareModel, type LoadedModel } from '../../../src/model/load-model.js';
import { useBackend } from '../../../src/model/run/backend.js';
import { LABELS_CSV, readAnnotations } from '../../../src/train/annotations.js';
import { buildSeedModel } from '../../../src/train/seed-model.js';
import { trainOnDataset, type TrainSettings } from '../../../src/train/train-dataset.js';
import { parseJsonLines, runCli } from '../../../test/support/cli.js';
import { makeCalmBusyDataset } from '../../../test/support/calm-busy-dataset.js';
import { buildChangeLayerModel, designChangeLayer } from '../change-layer-model.js';

const SIZE = 16;
/** Units of the change layer over the seed encoder's 64 features: 3 per feature + 1. */
const CHANGE_UNITS = 3 * 64 + 1;

describe('a change-layer model', () => {
  let data: string;

  beforeAll(async () => {
    await useBackend('cpu');
    data = await makeCalmBusyDataset(8);
  });

  async function settings(overrides: Partial<TrainSettings>): Promise<TrainSettings> {
    return {
      dataDir: data,
      outDir: await mkdtemp(join(tmpdir(), 'framewise-trained-')),
      annotations: await readAnnotations(join(data, LABELS_CSV)),
      ...{ window: 4, stride: 1, epochs: 1, batchSize: 32, learningRate: 0.01, patience: 5 },
      ...{ validationFraction: 0.25, frozenEncoder: true, seed: 1 },
      hooks: { prepareHead: designChangeLayer },
      onProgress: () => {},
      ...overrides,
    };
  }

  function unfolded(model: ReturnType<typeof buildSeedModel>): LoadedModel {
    return prepareModel(model, {}, 'a test model', { fold: false });
  }

  it('puts a frozen LSTM of 3F + 1 units between the seed encoder and its recurrent layer', () => {
    const model = buildChangeLayerModel({ height: SIZE, width: SIZE });
    expect(model.layers.map((l) => l.getClassName())).toEqual([
      'TimeDistributed',
      'LSTM',
      'LSTM',
      'Dense',
    ]);
    expect(model.layers[1]!.getConfig()).toMatchObject({
      units: CHANGE_UNITS,
      returnSequences: true,
      recurrentActivation: 'sigmoid',
      trainable: false,
    });
    // The seed's recurrent layer, remade over the change layer's outputs.
    expect(model.layers[2]!.getWeights()[0]!.shape).toEqual([CHANGE_UNITS, 4 * 32]);
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
    model.dispose();
  });

  it('is designed by designChangeLayer as prepareHead; the head learns, and the model labels in both modes', async () => {
    const model = unfolded(buildChangeLayerModel({ height: SIZE, width: SIZE }));
    const change = model.split.headLayers[0]!;
    const trained = await settings({ epochs: 15 });
    try {
      const report = await trainOnDataset(model, trained);
      expect(report.best.val_acc).toBeGreaterThan(0.8);
      // The placeholder weights were zeros; the designed ones pin gates open with a bias of 30.
      expect(Array.from(change.getWeights()[2]!.dataSync())).toContain(30);
      expect(change.trainable).toBe(false);
    } finally {
      model.dispose();
    }
    type Layer = { class_name: string; config: { units?: number; trainable: boolean } };
    const { modelTopology } = JSON.parse(
      await readFile(join(trained.outDir, 'model.json'), 'utf8'),
    ) as { modelTopology: { config: { layers: Layer[] } } };
    const lstms = modelTopology.config.layers.filter((l) => l.class_name === 'LSTM');
    expect(lstms.map((l) => [l.config.units, l.config.trainable])).toEqual([
      [CHANGE_UNITS, false],
      [32, true],
    ]);
    for (const mode of ['window', 'stateful']) {
      const args = ['label', join(data, 'v0.mp4'), '--model', trained.outDir, '--mode', mode];
      const labeled = await runCli(args);
      expect(labeled.code, labeled.stderr).toBe(0);
      const names = parseJsonLines<{ name: string }>(labeled.stdout).map((l) => l.name);
      expect(new Set(names)).toEqual(new Set(['busy', 'calm']));
    }
  });

  it('refuses a model without a change layer, saying what to do', async () => {
    const model = unfolded(buildSeedModel({ height: SIZE, width: SIZE }));
    try {
      const training = trainOnDataset(model, await settings({}));
      await expect(training).rejects.toThrow(UsageError);
      await expect(training).rejects.toThrow(
        /must be an LSTM of 193 units .* of 32 units: train a model made by buildChangeLayerModel/,
      );
    } finally {
      model.dispose();
    }
  });

  it('refuses to be designed from pixels: it needs a frozen encoder', async () => {
    const model = unfolded(buildChangeLayerModel({ height: SIZE, width: SIZE }));
    try {
      const training = trainOnDataset(model, await settings({ frozenEncoder: false }));
      await expect(training).rejects.toThrow(
        'a change layer is designed from embeddings: train with a frozen encoder (frozenEncoder: true)',
      );
    } finally {
      model.dispose();
    }
  });
});
