import { describe, expect, it } from 'vitest';
import type { Label } from '../../../src/pipeline/label.js';
import { LabelSummary } from '../../../src/output/label-summary.js';

/** A label of window N=4 at 30 fps: frame f ends at t = f / 30. */
function label(frame: number, cls: number, name?: string): Label {
  return {
    frame,
    start: frame - 3,
    t: frame / 30,
    label: cls,
    ...(name === undefined ? {} : { name }),
    score: 0.9,
    scores: [0.1, 0.9],
  };
}

function summarize(labels: Label[]): ReturnType<LabelSummary['finish']> {
  const summary = new LabelSummary();
  for (const l of labels) summary.add(l);
  return summary.finish({ frames: 100, seconds: 1.5 });
}

describe('LabelSummary', () => {
  it('counts labels and groups runs into segments that tile the labeled time', () => {
    const classes = [0, 0, 0, 1, 0, 0];
    const result = summarize(classes.map((cls, i) => label(3 + i, cls)));
    expect(result).toEqual({
      frames: 100,
      windows: 6,
      counts: { '0': 5, '1': 1 },
      segments: [
        { label: '0', start: 0.1, end: 0.2 },
        { label: '1', start: 0.2, end: 0.233 },
        { label: '0', start: 0.233, end: 0.3 },
      ],
      seconds: 1.5,
    });
  });

  it('keys counts and segments by class name when known', () => {
    const result = summarize([
      label(3, 0, 'same shot'),
      label(4, 1, 'cut'),
      label(5, 0, 'same shot'),
    ]);
    expect(result.counts).toEqual({ 'same shot': 2, cut: 1 });
    expect(result.segments.map((s) => s.label)).toEqual(['same shot', 'cut', 'same shot']);
  });

  it('rounds segment times to milliseconds', () => {
    const result = summarize([label(3, 0), label(4, 1)]);
    for (const { start, end } of result.segments) {
      expect(start * 1000).toBe(Math.round(start * 1000));
      expect(end * 1000).toBe(Math.round(end * 1000));
    }
  });

  it('summarizes no labels as no segments', () => {
    expect(summarize([])).toEqual({
      frames: 100,
      windows: 0,
      counts: {},
      segments: [],
      seconds: 1.5,
    });
  });

  it('keeps a class named __proto__ as a plain key', () => {
    const result = summarize([label(3, 0, '__proto__')]);
    expect(Object.keys(result.counts)).toEqual(['__proto__']);
    expect(JSON.stringify(result.counts)).toBe('{"__proto__":1}');
  });

  it('can report progress and keep accumulating', () => {
    const summary = new LabelSummary();
    summary.add(label(3, 0));
    const early = summary.finish({ frames: 4, seconds: 0.1 });
    summary.add(label(4, 0));
    summary.add(label(5, 1));
    const late = summary.finish({ frames: 6, seconds: 0.2 });
    expect(early.segments).toEqual([{ label: '0', start: 0.1, end: 0.1 }]);
    expect(late.segments).toEqual([
      { label: '0', start: 0.1, end: 0.167 },
      { label: '1', start: 0.167, end: 0.2 },
    ]);
    expect(late.windows).toBe(3);
  });
});
