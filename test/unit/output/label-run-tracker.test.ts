import { describe, expect, it } from 'vitest';
import type { Label } from '../../../src/pipeline/label.js';
import { LabelRunTracker } from '../../../src/output/label-run-tracker.js';

/** A label of window N=4, stride 1 at 10 fps: frame f ends at t = f / 10. */
function label(frame: number, cls: number, score = 0.9, name?: string): Label {
  return {
    frame,
    start: frame - 3,
    t: frame / 10,
    label: cls,
    ...(name === undefined ? {} : { name }),
    score,
    scores: cls === 0 ? [score, 1 - score] : [1 - score, score],
  };
}

describe('LabelRunTracker', () => {
  it('closes a run when the class changes, ending it at the next label', () => {
    const tracker = new LabelRunTracker();
    expect(tracker.add(label(3, 0, 0.8))).toBeUndefined();
    expect(tracker.add(label(4, 0, 0.6))).toBeUndefined();
    expect(tracker.add(label(5, 1))).toEqual({
      label: 0,
      start: 0.3,
      end: 0.5,
      firstFrame: 3,
      lastFrame: 4,
      windows: 2,
      meanScore: 0.7,
    });
  });

  it('ends the final run one label period after its last label', () => {
    const tracker = new LabelRunTracker();
    tracker.add(label(3, 0));
    tracker.add(label(5, 0));
    tracker.add(label(7, 0));
    const run = tracker.flush();
    expect(run?.start).toBeCloseTo(0.3, 12);
    expect(run?.end).toBeCloseTo(0.9, 12);
  });

  it('measures the final period across runs when the last run has one label', () => {
    const tracker = new LabelRunTracker();
    tracker.add(label(3, 0));
    tracker.add(label(5, 1));
    expect(tracker.flush()?.end).toBeCloseTo(0.7, 12);
  });

  it('ends a lone label at its own time', () => {
    const tracker = new LabelRunTracker();
    tracker.add(label(3, 1));
    expect(tracker.flush()).toMatchObject({ start: 0.3, end: 0.3, windows: 1 });
  });

  it('keeps the class name when the labels carry one', () => {
    const tracker = new LabelRunTracker();
    tracker.add(label(3, 1, 0.9, 'cut'));
    expect(tracker.peek()).toMatchObject({ label: 1, name: 'cut' });
  });

  it('has no name key when the labels carry none', () => {
    const tracker = new LabelRunTracker();
    tracker.add(label(3, 1));
    expect(Object.keys(tracker.peek() ?? {})).not.toContain('name');
  });

  it('peek leaves the run open; flush closes it', () => {
    const tracker = new LabelRunTracker();
    expect(tracker.peek()).toBeUndefined();
    tracker.add(label(3, 0));
    expect(tracker.peek()).toMatchObject({ windows: 1 });
    tracker.add(label(4, 0));
    expect(tracker.flush()).toMatchObject({ windows: 2 });
    expect(tracker.flush()).toBeUndefined();
  });
});
