import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src/model/run/backend.js';
import { buildSeedModel } from '../../../src/train/seed-model.js';

describe('buildSeedModel', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('pools the whole frame into 64 features by default', () => {
    const model = buildSeedModel();
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
    expect(model.layers[1]!.getWeights()[0]!.shape).toEqual([64, 128]);
    model.dispose();
  });

  it('keeps a grid of cells with poolingGrid: 3×3 cells of the 49×49 feature map, 576 features', () => {
    const model = buildSeedModel({ poolingGrid: 3 });
    expect(model.layers[0]!.outputShape).toEqual([null, 4, 576]);
    model.dispose();
  });

  it('refuses a grid that is not a whole number of cells the feature map can hold', () => {
    expect(() => buildSeedModel({ poolingGrid: 0 })).toThrow(
      'poolingGrid must be an integer >= 1, got 0',
    );
    expect(() => buildSeedModel({ height: 16, width: 16, poolingGrid: 8 })).toThrow(
      "poolingGrid must be at most the encoder's feature map side (7), got 8",
    );
  });
});
