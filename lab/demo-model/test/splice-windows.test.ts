import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import type { TrainingWindows } from '../../../src/train/training-hooks.js';
import type { WindowExamples } from '../../../src/train/window-examples.js';
import { spliceAugmentation, spliceWindows } from '../splice-windows.js';

const WINDOW = 4;
const CUT = 0;
const SAME = 1;

/** Window i of video v holds frames whose one-float embeddings are 100·v + i + frame / 10. */
function examples(): { examples: WindowExamples; videoOfWindow: number[] } {
  const inputs: Float32Array[] = [];
  const labels: number[] = [];
  const videoOfWindow: number[] = [];
  for (let v = 0; v < 3; v++) {
    for (let i = 0; i < 5; i++) {
      inputs.push(Float32Array.from({ length: WINDOW }, (_, f) => 100 * v + i + f / 10));
      labels.push(i === 2 ? CUT : SAME);
      videoOfWindow.push(v);
    }
  }
  return { examples: { inputs, labels }, videoOfWindow };
}

describe('spliceWindows', () => {
  it('appends cut windows joining the first frames of one video to the last frames of another', () => {
    const { examples: before, videoOfWindow } = examples();
    const after = spliceWindows(before, videoOfWindow, {
      label: CUT,
      count: 50,
      window: WINDOW,
      seed: 1,
    });
    expect(after.labels).toHaveLength(before.labels.length + 50);
    expect(after.inputs.slice(0, before.inputs.length)).toEqual(before.inputs);
    for (const input of after.inputs.slice(before.inputs.length) as Float32Array[]) {
      const frames = [...input];
      const videos = frames.map((x) => Math.floor(x / 100));
      const k = videos.findIndex((v) => v !== videos[0]);
      expect(k).toBeGreaterThanOrEqual(1);
      expect(k).toBeLessThan(WINDOW);
      expect(new Set(videos.slice(k)).size).toBe(1);
      // Each part keeps its frames' places in its own window, and no cut window is a source.
      frames.forEach((x, f) => expect(Math.round((x % 1) * 10)).toBe(f));
      frames.forEach((x) => expect(Math.floor(x % 100)).not.toBe(2));
    }
    expect(after.labels.slice(before.labels.length).every((l) => l === CUT)).toBe(true);
  });

  it('is seeded, and adds nothing when all windows come from one video', () => {
    const { examples: before, videoOfWindow } = examples();
    const options = { label: CUT, count: 10, window: WINDOW, seed: 7 };
    expect(spliceWindows(before, videoOfWindow, options)).toEqual(
      spliceWindows(before, videoOfWindow, options),
    );
    const oneVideo = videoOfWindow.map(() => 0);
    expect(spliceWindows(before, oneVideo, options)).toBe(before);
  });
});

describe('spliceAugmentation', () => {
  function trainingWindows(): TrainingWindows {
    const { examples: windows, videoOfWindow } = examples();
    return {
      examples: windows,
      embeddings: true,
      videos: ['a.mp4', 'b.mp4', 'c.mp4'],
      videoOfWindow,
      window: WINDOW,
      classes: ['cut', 'same shot'],
    };
  }

  it('adds as many spliced windows of the named class as it has training windows, by default', () => {
    const train = trainingWindows();
    const after = spliceAugmentation({ label: 'cut', seed: 1 })(train);
    // Three videos of five windows, one of them a cut: three spliced cut windows.
    expect(after).toEqual(
      spliceWindows(train.examples, train.videoOfWindow, {
        label: CUT,
        count: 3,
        window: WINDOW,
        seed: 1,
      }),
    );
    expect(after.labels.filter((l) => l === CUT)).toHaveLength(6);
    expect(spliceAugmentation({ label: 'cut', count: 20, seed: 1 })(train).labels).toHaveLength(35);
  });

  it('refuses a label that is not a class of the annotations, naming the classes', () => {
    const augment = spliceAugmentation({ label: 'fade', seed: 1 });
    expect(() => augment(trainingWindows())).toThrow(UsageError);
    expect(() => augment(trainingWindows())).toThrow(
      'splice label must name a class of the annotations (cut, same shot), got "fade"',
    );
  });
});
