import { describe, expect, it } from 'vitest';
import { pixelsToFloats } from '../../../../src/model/run/pixels-to-floats.js';

describe('pixelsToFloats', () => {
  const frames = [Uint8Array.of(0, 1, 254, 255), Uint8Array.of(10, 20, 30, 40)];

  it('writes the bytes as floats, frame after frame, when scale and offset are folded away', () => {
    const floats = pixelsToFloats(frames, 4, { scale: 1, offset: 0, channelOrder: 'rgb' });
    expect(Array.from(floats)).toEqual([0, 1, 254, 255, 10, 20, 30, 40]);
  });

  it('applies pixel × scale + offset to every value', () => {
    const floats = pixelsToFloats(frames, 4, { scale: 1 / 127.5, offset: -1, channelOrder: 'rgb' });
    const expected = [0, 1, 254, 255, 10, 20, 30, 40].map((v) => Math.fround(v / 127.5 - 1));
    floats.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 6));
  });

  it("subtracts each channel's mean and divides by its standard deviation after scaling", () => {
    const rgb = [Uint8Array.of(0, 128, 255, 255, 128, 0)];
    const torch = {
      scale: 1 / 255,
      offset: 0,
      channelOrder: 'rgb' as const,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    };
    const floats = pixelsToFloats(rgb, 6, torch);
    const expected = [0, 128, 255, 255, 128, 0].map(
      (v, i) => (v / 255 - torch.mean[i % 3]!) / torch.std[i % 3]!,
    );
    floats.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 5));
    const oneForAll = pixelsToFloats(rgb, 6, {
      scale: 1,
      offset: 0,
      channelOrder: 'bgr',
      mean: [100],
      std: [2, 4, 8],
    });
    expect(Array.from(oneForAll)).toEqual([-50, 7, 19.375, 77.5, 7, -12.5]);
  });

  it('writes into the start of a larger reused buffer and returns only that part', () => {
    const out = new Float32Array(12).fill(7);
    const floats = pixelsToFloats(frames, 4, { scale: 2, offset: 1, channelOrder: 'rgb' }, out);
    expect(floats.length).toBe(8);
    expect(floats[3]).toBe(511);
    expect(Array.from(out.subarray(8))).toEqual([7, 7, 7, 7]);
  });

  it('refuses a frame of the wrong size, naming both sizes', () => {
    expect(() =>
      pixelsToFloats([Uint8Array.of(1, 2, 3)], 4, { scale: 1, offset: 0, channelOrder: 'rgb' }),
    ).toThrow('frame must have 4 bytes, got 3');
  });
});
