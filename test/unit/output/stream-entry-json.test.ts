import { describe, expect, it } from 'vitest';
import { labelEntry } from '../../../src/output/redis-stream-sink.js';
import { streamEntryJson } from '../../../src/output/stream-entry-json.js';
import { formatLabelJson } from '../../../src/output/jsonl-sink.js';

describe('streamEntryJson', () => {
  it('prints a label entry exactly as framewise label prints the label', () => {
    const label = {
      frame: 7,
      start: 4,
      t: 0.2800000001,
      label: 1,
      name: 'cut',
      score: 0.9300000071525574,
      scores: [0.07, 0.9300000071525574],
    };
    expect(streamEntryJson(labelEntry(label).fields)).toBe(formatLabelJson(label));
  });

  it('prints a gap marker with its numbers as numbers', () => {
    expect(streamEntryJson(['t', '12.5', 'gap', '5.02'])).toBe('{"t":12.5,"gap":5.02}');
  });
});
