import { describe, expect, it } from 'vitest';
import { formatClock } from '../../../src/output/format-clock.js';

describe('formatClock', () => {
  it.each([
    [0, '00:00.000'],
    [3.2, '00:03.200'],
    [59.9996, '01:00.000'],
    [61.5, '01:01.500'],
    [3723.456, '1:02:03.456'],
    [36000, '10:00:00.000'],
    [-0.0004, '00:00.000'],
  ])('prints %s s as %s', (seconds, clock) => {
    expect(formatClock(seconds)).toBe(clock);
  });
});
