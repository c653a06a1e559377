import { describe, expect, it } from 'vitest';
import { roundToMillis } from '../../../src/output/round-to-millis.js';

describe('roundToMillis', () => {
  it.each([
    [3.2000000000000006, 3.2],
    [0.1333333, 0.133],
    [0.0005, 0.001],
    [12, 12],
  ])('rounds %s to %s', (seconds, rounded) => {
    expect(roundToMillis(seconds)).toBe(rounded);
  });

  it('never returns negative zero', () => {
    expect(Object.is(roundToMillis(-0.0001), 0)).toBe(true);
  });
});
