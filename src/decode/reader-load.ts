/** Time constant of the load average, in milliseconds: a second of recent history. */
const HALF_LIFE_MS = 1000;
/** Below this share of time spent waiting for frames, the reader is behind its source. */
const BUSY_BELOW = 0.1;

/**
 * How busy a source's reader is: the share of recent wall time it spent waiting for frames
 * (a decaying average over about a second). A reader that keeps up with a live stream waits
 * most of the time, even for a bursty source such as HLS, which hands over a segment at once;
 * a reader that is the bottleneck hardly ever waits. Frames are only dropped for being late
 * when the reader is busy: late frames from a bursty source are the source's latency, not ours.
 */
export class ReaderLoad {
  private waited = 0;
  private total = 0;
  private lastMs: number | undefined;

  /** Notes one read: it was asked for at `askedMs` and answered at `answeredMs`. */
  note(askedMs: number, answeredMs: number): void {
    const since = this.lastMs ?? askedMs;
    const cycle = Math.max(0, answeredMs - since);
    const decay = 0.5 ** (cycle / HALF_LIFE_MS);
    this.waited = this.waited * decay + Math.max(0, answeredMs - askedMs);
    this.total = this.total * decay + cycle;
    this.lastMs = answeredMs;
  }

  /** True when the reader spent less than a tenth of the last second or so waiting. */
  get busy(): boolean {
    return this.total > 0 && this.waited / this.total < BUSY_BELOW;
  }

  /** Forgets the history (a new connection). */
  reset(): void {
    this.waited = 0;
    this.total = 0;
    this.lastMs = undefined;
  }
}
