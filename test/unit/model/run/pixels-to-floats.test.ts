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
