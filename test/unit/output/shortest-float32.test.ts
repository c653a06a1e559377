import { describe, expect, it } from 'vitest';
import { shortestFloat32 } from '../../../src/output/shortest-float32.js';

describe('shortestFloat32', () => {
  it.each([
    [Math.fround(0.93), 0.93],
    [Math.fround(0.07), 0.07],
    [Math.fround(1 / 3), 0.33333334],
    [0, 0],
    [1, 1],
    [Math.fround(1e-12), 1e-12],
  ])('prints %s as %s', (value, expected) => {
    expect(shortestFloat32(value)).toBe(expected);
  });

  it('returns the same float32 for values that are not float32', () => {
    for (const value of [0.1234567891234, 2 / 3, 1e-30, 123456.789]) {
      expect(Math.fround(shortestFloat32(value))).toBe(Math.fround(value));
    }
  });

  it('passes non-finite values through', () => {
    expect(shortestFloat32(Number.NaN)).toBeNaN();
    expect(shortestFloat32(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });
});
