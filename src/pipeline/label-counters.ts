import type { ResumePoint } from './resume-point.js';

/** An outage of a live source, as the labels stream records it. */
export interface Gap {
  /** Index of the last frame before the outage. */
  readonly frame: number;
  /** Time of that frame, in seconds: when the outage began. */
  readonly t: number;
  /** Length of the outage, in seconds. */
  readonly gap: number;
}

/** Counters of a run, updated as it goes. */
export interface LabelCounters {
  /** Frames read from the source. */
  frames: number;
  /** Labels emitted (windows classified). */
  windows: number;
  /** Frames that went through the CNN. */
  encoded: number;
  /** Window frames served from the embedding cache instead of the CNN. */
  cacheHits: number;
  /** Frames the source dropped because labeling fell behind (overload policy `drop`). */
  dropped: number;
  /** Outages of a live source (each one gap marker). */
  gaps: number;
  /**
   * Where the run could resume now: updated after the labels of each batch have been taken, so
   * it never points past a label the consumer has not received.
   */
  resumePoint?: ResumePoint;
}

/** Counters of a run that has not started. */
export function emptyCounters(): LabelCounters {
  return { frames: 0, windows: 0, encoded: 0, cacheHits: 0, dropped: 0, gaps: 0 };
}

/**
 * Why a finished run gave no label, for a warning (a run without labels is not an error, but
 * must not pass in silence), or undefined when it gave some.
 *
 * @param window - The run's frames per window.
 */
export function whyNoLabels(
  counters: Pick<LabelCounters, 'frames' | 'windows'>,
  window: number,
): string | undefined {
  if (counters.windows > 0) return undefined;
  if (counters.frames === 0) {
    return 'the input gave no frames: a start past its end, an --fps too low for its length, or nothing ffmpeg could decode';
  }
  return `the input gave ${counters.frames} frame${counters.frames === 1 ? '' : 's'}, fewer than one window of ${window}`;
}
