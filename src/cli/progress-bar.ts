/** Redraws at most this often: a terminal line per frame would cost more than the frame. */
const REDRAW_INTERVAL_MS = 200;
/** Width of the bar itself, in characters. */
const BAR_WIDTH = 30;

/**
 * A one-line progress bar on a terminal stream (stderr): position in the input, frames per
 * second and an estimate of the time left. Used only when the stream is a TTY.
 */
export class ProgressBar {
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private line = '';

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly startedAt = performance.now(),
  ) {}

  /**
   * Shows progress: `t` seconds labeled out of `totalSec` (undefined: unknown length), after
   * `frames` frames.
   */
  update(t: number, totalSec: number | undefined, frames: number): void {
    const now = performance.now();
    if (now - this.lastDraw < REDRAW_INTERVAL_MS) return;
    this.lastDraw = now;
    const elapsed = (now - this.startedAt) / 1000;
    const fps = elapsed > 0 ? frames / elapsed : 0;
    let line: string;
    if (totalSec !== undefined && totalSec > 0) {
      const fraction = Math.min(1, t / totalSec);
      const filled = Math.round(fraction * BAR_WIDTH);
      const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : 0;
      line =
        `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(0)}% ` +
        `${t.toFixed(1)}/${totalSec.toFixed(1)} s  ${fps.toFixed(0)} frames/s  ${eta.toFixed(0)} s left`;
    } else {
      line = `${t.toFixed(1)} s  ${frames} frames  ${fps.toFixed(0)} frames/s`;
    }
    this.line = line.slice(0, Math.max(10, (this.stream.columns ?? 80) - 1));
    this.draw();
  }

  /**
   * Writes output to the same terminal without garbling it: clears the bar's line, runs
   * `write` (a line on stdout or stderr), then draws the bar again below it.
   */
  async above(write: () => unknown): Promise<void> {
    const wasDrawn = this.drawn;
    this.clear();
    await write();
    if (wasDrawn) this.draw();
  }

  private draw(): void {
    this.stream.write(`\r${this.line}\x1b[K`);
    this.drawn = true;
  }

  /** Clears the line so that what follows starts clean. */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
