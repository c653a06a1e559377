import { describe, expect, it } from 'vitest';
import { spliceWindows } from '../splice-windows.js';
import type { WindowExamples } from '../../../src/train/window-examples.js';

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
