import { describe, expect, it } from 'vitest';
import { planParts, type PartSpec } from '../../../src/queue/split-job.js';

/** The window starts each part owns: from `from`, every `stride`, while the window ends by `to`. */
function owned(part: PartSpec, n: number, stride: number, frames: number): number[] {
  const starts: number[] = [];
  const last = part.to ?? frames - 1;
  for (let s = part.from; s + n - 1 <= last; s += stride) starts.push(s);
  return starts;
}

describe('planParts', () => {
  const times = (count: number, rate: number, first = 0) =>
    Float64Array.from({ length: count }, (_, i) => first + i / rate);

  it.each([
    [4, 1],
    [4, 3],
    [8, 5],
    [3, 7],
  ])('window %i, stride %i: the parts own every window once, in order', (n, stride) => {
    const frames = 1000;
    const parts = planParts({ times: times(frames, 25), partSec: 3.3, window: n, stride });
    expect(parts.length).toBeGreaterThan(5);
    const all = parts.flatMap((part) => owned(part, n, stride, frames));
    const expected: number[] = [];
    for (let s = 0; s + n - 1 < frames; s += stride) expected.push(s);
    expect(all).toEqual(expected);
    parts.forEach((part, i) => {
      expect(part.index).toBe(i);
      expect(part.from % stride).toBe(0);
      expect(part.fromT).toBeCloseTo(part.from / 25, 9);
    });
    expect(parts.at(-1)!.to).toBeUndefined();
  });

  it('takes times from the packets, variable rate included', () => {
    const variable = Float64Array.from([...times(100, 25), ...times(100, 10, 4.5)]);
    const parts = planParts({ times: variable, partSec: 2, window: 4, stride: 1 });
    for (const part of parts) expect(part.fromT).toBe(variable[part.from]);
  });

  it('with fps, places sampled frames on the grid of the first frame', () => {
    const parts = planParts({
      times: times(750, 25, 0.04),
      partSec: 5,
      window: 4,
      stride: 2,
      fps: 10,
    });
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) expect(part.fromT).toBeCloseTo(0 + part.from / 10, 9);
  });

  it('keeps a short file whole, and caps the number of parts', () => {
    expect(planParts({ times: times(50, 25), partSec: 10, window: 4, stride: 1 })).toHaveLength(1);
    const many = planParts({ times: times(100_000, 25), partSec: 0.1, window: 4, stride: 1 });
    expect(many.length).toBeLessThanOrEqual(1000);
  });
});
