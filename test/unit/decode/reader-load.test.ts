import { describe, expect, it } from 'vitest';
import { ReaderLoad } from '../../../src/decode/reader-load.js';

/** Simulates reads that each work `workMs` then wait `waitMs` for frames. */
function run(load: ReaderLoad, cycles: number, workMs: number, waitMs: number, from = 0): number {
  let now = from;
  for (let i = 0; i < cycles; i++) {
    now += workMs;
    load.note(now, now + waitMs);
    now += waitMs;
  }
  return now;
}

describe('ReaderLoad', () => {
  it('is not busy before any read', () => {
    expect(new ReaderLoad().busy).toBe(false);
  });

  it('is busy when the reader hardly waits (the model is the bottleneck)', () => {
    const load = new ReaderLoad();
    run(load, 50, 800, 2);
    expect(load.busy).toBe(true);
  });

  it('is not busy for a bursty source it keeps up with (an HLS segment a second)', () => {
    const load = new ReaderLoad();
    // 25 frames handed over at once, labeled in 4 reads of 10 ms, then a wait for the next.
    let now = 0;
    for (let segment = 0; segment < 10; segment++) {
      now = run(load, 3, 10, 0, now);
      now = run(load, 1, 10, 960, now);
      expect(load.busy, `after segment ${segment}`).toBe(false);
    }
  });

  it('recovers within a few seconds once the reader keeps up again', () => {
    const load = new ReaderLoad();
    const now = run(load, 20, 500, 1);
    expect(load.busy).toBe(true);
    run(load, 100, 10, 23, now);
    expect(load.busy).toBe(false);
  });
});
