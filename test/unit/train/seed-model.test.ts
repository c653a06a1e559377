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
});
