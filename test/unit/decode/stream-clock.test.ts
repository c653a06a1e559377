import { describe, expect, it } from 'vitest';
import { StreamClock } from '../../../src/decode/stream-clock.js';

describe('StreamClock', () => {
  it('takes a frame that arrives on time as captured when it arrived', () => {
    const clock = new StreamClock();
    for (let i = 0; i < 30; i++)
      expect(clock.capturedAt(i / 30, 1000 + (i * 1000) / 30)).toBeCloseTo(
        1000 + (i * 1000) / 30,
        6,
      );
  });

  it('moves the anchor back when a burst shows the first frames were late (probing)', () => {
    const clock = new StreamClock();
    // Frames 0-29 were buffered for a second while ffmpeg probed, then came all at once.
    for (let i = 0; i < 30; i++) clock.capturedAt(i / 30, 2000 + i);
    // So frame 0 was captured about 29 frames' time before frame 29 arrived, at 2029 - 967 ms;
    // frame 30 (t = 1 s), captured 1 s after it, arrives 5 ms after its capture.
    const captured = 2029 - (29 * 1000) / 30 + 1000;
    expect(clock.capturedAt(1, captured + 5)).toBeCloseTo(captured, 0);
  });

  it('shows a reader that falls behind as latency that grows', () => {
    const clock = new StreamClock();
    // 30 frames/s in, 20 read: frame i arrives at i / 20 s.
    const lag = (i: number) => i * 50 - clock.capturedAt(i / 30, i * 50);
    for (let i = 0; i < 300; i++) lag(i);
    // 10 s of stream read in 15 s: 5 s behind, less the drift allowance (1% of 15 s).
    expect(lag(300)).toBeGreaterThan(4800);
  });

  it('follows a camera whose clock runs 0.5% slow without reporting a lag', () => {
    const clock = new StreamClock();
    let worst = 0;
    // One hour at 30 fps: frame i arrives at i / 30 × 1.005 s.
    for (let i = 0; i < 108_000; i++) {
      const arrival = (i * 1000 * 1.005) / 30;
      worst = Math.max(worst, arrival - clock.capturedAt(i / 30, arrival));
    }
    expect(worst).toBeLessThan(1);
  });
});
