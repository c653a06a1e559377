/** One frame as reported by ffmpeg's `showinfo` filter. */
export interface ShowinfoFrame {
  /** 0-based index of the frame through the filter. */
  readonly n: number;
  /** Presentation timestamp in the filter's time base; undefined when ffmpeg printed `NOPTS`. */
  readonly pts: number | undefined;
  /**
   * `pts` in seconds as printed by ffmpeg; undefined for `NOPTS`. ffmpeg prints it with 6
   * significant digits (0.1 s resolution past 10,000 s): prefer `pts` × time base.
   */
  readonly ptsTime: number | undefined;
}

/** A time base as a fraction of a second, `num / den`. */
export interface TimeBase {
  readonly num: number;
  readonly den: number;
}

const SHOWINFO_PREFIX = /^\[Parsed_showinfo_\d+ @ [^\]]*\] /;
// `n:   0 pts:      0 pts_time:0       pos: …`; the spacing varies with the width of the numbers.
const FRAME_LINE = /^n:\s*(\d+)\s+pts:\s*(-?\d+|NOPTS)\s+pts_time:\s*(\S+)/;
// `config in time_base: 1/10, frame_rate: 10/1`, printed once when the filter graph is set up.
const TIME_BASE_LINE = /^config in time_base:\s*(\d+)\/(\d+)/;

/** True for every line the `showinfo` filter prints (per-frame lines and their continuations). */
export function isShowinfoLine(line: string): boolean {
  return SHOWINFO_PREFIX.test(line);
}

/**
 * Parses one stderr line of ffmpeg's `showinfo` filter, e.g.
 * `[Parsed_showinfo_2 @ 0x2693dbc0] n:   1 pts:      1 pts_time:0.1     pos: 38732 …`.
 * Returns undefined for any other line (including showinfo's second per-frame line, which
 * starts with `color_range:` in ffmpeg 4.1).
 */
export function parseShowinfoFrame(line: string): ShowinfoFrame | undefined {
  const prefix = SHOWINFO_PREFIX.exec(line);
  if (prefix === null) return undefined;
  const match = FRAME_LINE.exec(line.slice(prefix[0].length));
  if (match === null) return undefined;
  const [, n, pts, ptsTime] = match;
  return {
    n: Number(n),
    pts: pts === 'NOPTS' ? undefined : Number(pts),
    ptsTime: ptsTime === 'NOPTS' || ptsTime === undefined ? undefined : Number(ptsTime),
  };
}

/**
 * Parses showinfo's set-up line `[Parsed_showinfo_2 @ 0x…] config in time_base: 1/10, …` into
 * the time base of the `pts` values it will print; undefined for any other line.
 */
export function parseShowinfoTimeBase(line: string): TimeBase | undefined {
  const prefix = SHOWINFO_PREFIX.exec(line);
  if (prefix === null) return undefined;
  const match = TIME_BASE_LINE.exec(line.slice(prefix[0].length));
  if (match === null) return undefined;
  const num = Number(match[1]);
  const den = Number(match[2]);
  return num > 0 && den > 0 ? { num, den } : undefined;
}
