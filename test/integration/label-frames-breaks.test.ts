import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '../../src/model/load-model.js';
import { emptyCounters, labelFrames, type FrameReader } from '../../src/pipeline/label-frames.js';
import type { Label } from '../../src/pipeline/label.js';
import type { Frame } from '../../src/decode/frame.js';
import { saveSeedModel } from '../support/models.js';

const SIZE = 16;
const FRAMES = 24;

/** Seeded pixels: every frame differs, so a window of the wrong frames gives other scores. */
function frame(index: number): Frame {
  const pixels = new Uint8Array(SIZE * SIZE * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (index * 37 + i * 11) % 251;
  return { index, t: index / 25, pixels };
}

/** Hands out prepared reads in order, as a source that dropped frames between two reads. */
function scripted(reads: Frame[][]): FrameReader {
  const queue = [...reads];
  return { read: () => Promise.resolve(queue.shift() ?? []) };
}

async function collect(run: AsyncGenerator<Label, unknown>): Promise<Label[]> {
  const labels: Label[] = [];
  for await (const label of run) labels.push(label);
  return labels;
}

describe('labelFrames over a source with breaks: dropped frames and outages', () => {
  let model: LoadedModel;
  const all = Array.from({ length: FRAMES }, (_, i) => frame(i));
  // Frames 7, 8 and 9 were dropped: the first frame after them says so.
  const withDrop = [all.slice(0, 7), [{ ...all[10]!, droppedBefore: 3 }, ...all.slice(11)]];
  const options = { window: 4, stride: 1, batch: 8, cache: true } as const;

  beforeAll(async () => {
    const { dir } = await saveSeedModel({ height: SIZE, width: SIZE, timeSteps: 4 });
    model = await loadModel(dir);
  });

  it('window mode: no window spans the drop, and each window scores as in an uninterrupted run', async () => {
    const clean = await collect(
      labelFrames(scripted([all.slice(0, 8), all.slice(8)]), model, { ...options, mode: 'window' }),
    );
    const counters = emptyCounters();
    const before = tf.memory().numTensors;
    const labels = await collect(
      labelFrames(scripted(withDrop), model, { ...options, mode: 'window' }, counters),
    );
    expect(tf.memory().numTensors).toBe(before);
    // Windows 0-3 … 3-6, then a new grid from frame 10: 10-13 … 20-23.
    expect(labels.map((l) => [l.start, l.frame])).toEqual([
      ...[3, 4, 5, 6].map((end) => [end - 3, end]),
      ...Array.from({ length: 11 }, (_, k) => [10 + k, 13 + k]),
    ]);
    const cleanByFrame = new Map(clean.map((l) => [l.frame, l]));
    for (const label of labels) {
      const reference = cleanByFrame.get(label.frame)!;
      label.scores.forEach((score, c) => expect(score).toBeCloseTo(reference.scores[c]!, 6));
    }
    expect(counters).toMatchObject({ frames: FRAMES - 3, dropped: 3, gaps: 0, encoded: 21 });
  });

  it('window mode for files (fullBatches): windows held for one head call are all labeled, in order, before a drop and at the end', async () => {
    const plain = await collect(
      labelFrames(scripted(withDrop), model, { ...options, mode: 'window' }),
    );
    const counters = emptyCounters();
    const batched = await collect(
      labelFrames(
        scripted(withDrop),
        model,
        { ...options, mode: 'window', fullBatches: true },
        counters,
      ),
    );
    expect(batched.map((l) => [l.start, l.frame])).toEqual(plain.map((l) => [l.start, l.frame]));
    batched.forEach((label, i) =>
      label.scores.forEach((score, c) => expect(score).toBeCloseTo(plain[i]!.scores[c]!, 6)),
    );
    expect(counters).toMatchObject({ windows: 15, dropped: 3 });
  });

  it('stateful mode: the state steps over the drop (no reset), which is counted', async () => {
    const counters = emptyCounters();
    const labels = await collect(
      labelFrames(scripted(withDrop), model, { ...options, mode: 'stateful' }, counters),
    );
    // One label per frame from frame 3 on, of the frames that arrived; one stream, from 0.
    expect(labels.map((l) => l.frame)).toEqual([3, 4, 5, 6, ...all.slice(10).map((f) => f.index)]);
    expect(new Set(labels.map((l) => l.start))).toEqual(new Set([0]));
    expect(counters).toMatchObject({ frames: FRAMES - 3, dropped: 3, windows: labels.length });
  });

  describe('after an outage (a live source reconnected)', () => {
    // Frame 12 came after a 3 s outage; no frame is missing.
    const withGap = [all.slice(0, 12), [{ ...all[12]!, gapBefore: 3 }, ...all.slice(13)]];

    it('stateful mode starts afresh: `start` moves to the first frame after it, warm-up again', async () => {
      const counters = emptyCounters();
      const gaps: unknown[] = [];
      const labels = await collect(
        labelFrames(
          scripted(withGap),
          model,
          { ...options, mode: 'stateful', onGap: (gap) => gaps.push(gap) },
          counters,
        ),
      );
      expect(gaps).toEqual([{ frame: 11, t: all[11]!.t, gap: 3 }]);
      expect(counters).toMatchObject({ gaps: 1, dropped: 0 });
      // Frames 3-11 from the first state, then 15-23 (12-14 warm the new state up).
      expect(labels.map((l) => [l.start, l.frame])).toEqual([
        ...all.slice(3, 12).map((f) => [0, f.index]),
        ...all.slice(15).map((f) => [12, f.index]),
      ]);
    });

    it('keepStateOverGaps carries the state over: labels as if there had been no outage', async () => {
      const clean = await collect(
        labelFrames(scripted([all.slice(0, 12), all.slice(12)]), model, {
          ...options,
          mode: 'stateful',
        }),
      );
      const kept = await collect(
        labelFrames(scripted(withGap), model, {
          ...options,
          mode: 'stateful',
          keepStateOverGaps: true,
        }),
      );
      expect(kept.map((l) => [l.start, l.frame])).toEqual(clean.map((l) => [l.start, l.frame]));
      kept.forEach((label, i) =>
        label.scores.forEach((score, c) => expect(score).toBeCloseTo(clean[i]!.scores[c]!, 6)),
      );
    });
  });
});
