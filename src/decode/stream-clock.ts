/**
 * How fast the clock may drift forward to follow a source whose clock runs slower than ours, as
 * a share of wall time: cameras drift by well under 0.1%; a reader that falls behind a stream
 * falls behind by far more than 1%, which then still shows as latency.
 */
const MAX_DRIFT = 0.01;

/**
 * When a live stream's frames were captured, as near as the receiving end can tell: its own
 * clock (each frame's `t`) anchored at the earliest capture time the arrivals allow. A frame
 * cannot arrive before it is captured, so the anchor is the earliest `arrival - t` seen; a
 * frame that arrives later than that waited somewhere (in the network, in ffmpeg, in a pipe
 * while the reader was busy), and that wait is latency. Arrival alone would hide it: a reader
 * that falls behind makes ffmpeg wait, and frames then arrive late but "fresh".
 *
 * The anchor may also move forward, by at most {@link MAX_DRIFT} of the time elapsed, so that a
 * camera whose clock runs slightly slow never looks as if it fell further and further behind.
 */
export class StreamClock {
  /** `performance.now()` milliseconds at stream time 0; undefined until the first frame. */
  private anchorMs: number | undefined;
  private lastArrivalMs = 0;

  /** Forgets the anchor: a new connection's first frame sets it again. */
  reset(): void {
    this.anchorMs = undefined;
  }

  /** The capture time of a frame at stream time `t` seconds that arrived at `arrivalMs`. */
  capturedAt(t: number, arrivalMs: number): number {
    const fresh = arrivalMs - t * 1000;
    if (this.anchorMs === undefined || fresh < this.anchorMs) this.anchorMs = fresh;
    else {
      const drift = MAX_DRIFT * Math.max(0, arrivalMs - this.lastArrivalMs);
      this.anchorMs = Math.min(fresh, this.anchorMs + drift);
    }
    this.lastArrivalMs = arrivalMs;
    return this.anchorMs + t * 1000;
  }
}
