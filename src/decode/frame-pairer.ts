import type { Frame } from './frame.js';
import type { ShowinfoFrame, TimeBase } from './showinfo.js';

/**
 * Joins the two halves of a frame that ffmpeg sends on different pipes: its pixels (stdout, in
 * order) and its timestamp (a `showinfo` line on stderr, numbered `n`). Either pipe may be ahead,
 * so each side waits in a small queue until its partner arrives; a push returns the frame it
 * completes, if any.
 */
export class FramePairer {
  /** Added to every timestamp, in seconds: the `-ss` seek, since ffmpeg restarts at ~0 there. */
  readonly offsetSec: number;
  private readonly pixels: Uint8Array[] = [];
  private readonly times: Array<{ n: number; sec: number | undefined }> = [];
  private timeBase: TimeBase | undefined;
  private frameIntervalSec: number | undefined;
  private pixelCount = 0;
  private index = 0;
  private lastSec: number | undefined;

  /**
   * @param offsetSec - Seconds added to every timestamp. @defaultValue 0
   * @param firstIndex - Index of the first frame (a resumed job continues its numbering).
   *   @defaultValue 0
   */
  constructor(offsetSec = 0, firstIndex = 0) {
    this.offsetSec = offsetSec;
    this.index = firstIndex;
  }

  /** Pixel frames waiting for their timestamp. */
  get unpairedPixels(): number {
    return this.pixels.length;
  }

  /** The `showinfo` time base: `pts × num / den` is exact where `pts_time` has 6 digits. */
  setTimeBase(timeBase: TimeBase): void {
    this.timeBase = timeBase;
  }

  /**
   * Frame rate used to step past a frame without a timestamp (`NOPTS`), in frames per second.
   * Without one, such a frame repeats the previous frame's time.
   */
  setFrameRate(fps: number | undefined): void {
    this.frameIntervalSec = fps !== undefined && fps > 0 ? 1 / fps : undefined;
  }

  /** Takes the next frame's pixels from stdout. */
  pushPixels(pixels: Uint8Array): Frame | undefined {
    this.pixels.push(pixels);
    this.pixelCount++;
    return this.pair();
  }

  /** Takes the next `showinfo` line's frame. */
  pushTimestamp(frame: ShowinfoFrame): Frame | undefined {
    const sec =
      frame.pts !== undefined && this.timeBase !== undefined
        ? (frame.pts * this.timeBase.num) / this.timeBase.den
        : frame.ptsTime;
    this.times.push({ n: frame.n, sec });
    return this.pair();
  }

  private pair(): Frame | undefined {
    // Pixel frame k (0-based, stdout order) belongs to showinfo's n = k. A timestamp for an
    // n that stdout has already passed is for a frame that never reached stdout: drop it.
    const k = this.pixelCount - this.pixels.length;
    while (this.times.length > 0 && (this.times[0]?.n ?? 0) < k) this.times.shift();
    if (this.pixels.length === 0 || this.times.length === 0) return undefined;
    const pixels = this.pixels.shift() as Uint8Array;
    const { sec } = this.times.shift() as { sec: number | undefined };
    const t = sec ?? (this.lastSec ?? -(this.frameIntervalSec ?? 0)) + (this.frameIntervalSec ?? 0);
    this.lastSec = t;
    return { index: this.index++, t: this.offsetSec + t, pixels };
  }
}
