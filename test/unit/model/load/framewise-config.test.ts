import { describe, expect, it } from 'vitest';
import {
  PREPROCESSING_PRESETS,
  parseFramewiseConfig,
} from '../../../../src/model/load/framewise-config.js';

describe('parseFramewiseConfig', () => {
  it('reads a backbone preprocessing preset as the Keras applications define it', () => {
    expect(parseFramewiseConfig({ input: { preset: 'tf' } }, 'f').input).toEqual({
      scale: 1 / 127.5,
      offset: -1,
      channelOrder: 'rgb',
    });
    expect(parseFramewiseConfig({ input: { preset: 'caffe' } }, 'f').input).toEqual(
      PREPROCESSING_PRESETS.caffe,
    );
    expect(parseFramewiseConfig({ input: { preset: 'torch' } }, 'f').input).toMatchObject({
      scale: 1 / 255,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
  });

  it("lets the fields given override the preset's", () => {
    expect(
      parseFramewiseConfig({ input: { preset: 'torch', std: [0.5], channelOrder: 'bgr' } }, 'f')
        .input,
    ).toMatchObject({
      scale: 1 / 255,
      std: [0.5],
      channelOrder: 'bgr',
      mean: [0.485, 0.456, 0.406],
    });
  });

  it.each([
    [{ preset: 'keras' }, 'f: input.preset must be one of tf, torch, caffe, got "keras"'],
    [
      { mean: [1, 2] },
      'input.mean must be a list of 1 or 3 finite numbers (one per channel), got [1,2]',
    ],
    [
      { std: [1, 0, 1] },
      'input.std must be a list of 1 or 3 finite numbers (one per channel, each > 0), got [1,0,1]',
    ],
    [{ mean: 'imagenet' }, 'input.mean must be a list of 1 or 3 finite numbers'],
  ])('refuses %j naming the field and the rule', (input, message) => {
    expect(() => parseFramewiseConfig({ input }, 'f')).toThrow(message);
  });
});
