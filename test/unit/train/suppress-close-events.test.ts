import { describe, expect, it } from 'vitest';
import { suppressCloseEvents } from '../../../src/train/suppress-close-events.js';

const event = (t: number, score: number) => ({ t, score });

describe('suppressCloseEvents', () => {
  it('keeps the strongest of events closer than the gap, whichever comes first', () => {
    const events = [event(1.0, 0.6), event(1.2, 0.95), event(1.5, 0.7), event(3.0, 0.51)];
    expect(suppressCloseEvents(events, 0.6)).toEqual([event(1.2, 0.95), event(3.0, 0.51)]);
  });

  it('keeps events exactly the gap apart, and the earlier of two equal scores', () => {
    expect(suppressCloseEvents([event(1, 0.8), event(1.5, 0.8)], 0.5)).toEqual([
      event(1, 0.8),
      event(1.5, 0.8),
    ]);
    expect(suppressCloseEvents([event(1, 0.8), event(1.4, 0.8)], 0.5)).toEqual([event(1, 0.8)]);
  });

  it('judges each event against the kept ones only: a suppressed event suppresses nothing', () => {
    // 1.5 loses to 1.0; 2.0 is within 0.6 s of 1.5 only, so it stays.
    const events = [event(1.0, 0.9), event(1.5, 0.8), event(2.0, 0.7)];
    expect(suppressCloseEvents(events, 0.6)).toEqual([event(1.0, 0.9), event(2.0, 0.7)]);
  });

  it('keeps every event with a gap of 0', () => {
    const events = [event(1, 0.6), event(1.04, 0.7)];
    expect(suppressCloseEvents(events, 0)).toEqual(events);
  });
});
