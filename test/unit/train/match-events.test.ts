import { describe, expect, it } from 'vitest';
import { eventsFromLabels, matchEvents } from '../../../src/train/match-events.js';

describe('matchEvents', () => {
  it('matches each true event at most once, within the tolerance', () => {
    const scores = matchEvents([1.0, 1.1, 3.0, 9.0], [1.05, 3.4, 6.0], 0.5);
    expect(scores).toEqual({
      truePositives: 2,
      falsePositives: 2,
      falseNegatives: 1,
      precision: 0.5,
      recall: 2 / 3,
      falseEvents: [1.1, 9.0],
      missedEvents: [6.0],
    });
  });

  it('prefers the nearest free true event', () => {
    expect(matchEvents([2.0, 2.45], [1.6, 2.4], 0.5).truePositives).toBe(2);
  });

  it('scores nothing detected and nothing true as perfect', () => {
    expect(matchEvents([], [], 0.5)).toMatchObject({ precision: 1, recall: 1 });
  });
});

describe('eventsFromLabels', () => {
  it('gives the first time of each run of the class and its highest score', () => {
    const names = ['same', 'cut', 'cut', 'same', 'cut', 'same'];
    const scores = [0.9, 0.6, 0.8, 0.7, 0.55, 0.9];
    const labels = names.map((name, i) => ({ t: i / 10, name, score: scores[i]! }));
    expect(eventsFromLabels(labels, 'cut')).toEqual([
      { t: 0.1, score: 0.8 },
      { t: 0.4, score: 0.55 },
    ]);
  });
});
