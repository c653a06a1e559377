import type { LabelCounters } from '../pipeline/label-frames.js';

/** A job's progress as `status` shows it and the worker reports it. */
export interface JobProgress {
  /** Frames read so far. */
  readonly frames: number;
  /** Frames dropped because labeling fell behind a live source (overload policy `drop`). */
  readonly dropped: number;
  /** Outages of a live source so far (each a gap marker in the labels stream). */
  readonly gaps: number;
  /** Labels written so far. */
  readonly windows: number;
  /** Presentation time of the last labeled frame, in seconds. */
  readonly t: number;
  /** Frames per second since the job started, wall time. */
  readonly fps: number;
}

/** The run's counters a progress report shows. */
type Counts = Pick<LabelCounters, 'frames' | 'dropped' | 'gaps'>;

/** Reports progress at most once a second: each report is a Redis round trip and an event. */
export const PROGRESS_INTERVAL_MS = 1000;

/**
 * Throttles progress reports: `update` calls `report` at most once per interval and `flush`
 * sends the last state.
 */
export class ProgressThrottle {
  private lastReport = 0;
  private readonly started = performance.now();

  constructor(
    private readonly report: (progress: JobProgress) => Promise<void>,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {}

  /** Reports the state if the last report is older than the interval. */
  async update(counters: Counts, windows: number, t: number): Promise<void> {
    const now = performance.now();
    if (now - this.lastReport < this.intervalMs) return;
    this.lastReport = now;
    await this.report(this.progress(counters, windows, t, now));
  }

  /** Reports the final state. */
  async flush(counters: Counts, windows: number, t: number): Promise<void> {
    await this.report(this.progress(counters, windows, t, performance.now()));
  }

  private progress(counters: Counts, windows: number, t: number, now: number): JobProgress {
    const seconds = (now - this.started) / 1000;
    const { frames, dropped, gaps } = counters;
    return {
      frames,
      dropped,
      gaps,
      windows,
      t: Math.round(t * 1000) / 1000,
      fps: seconds > 0 ? Math.round((frames / seconds) * 10) / 10 : 0,
    };
  }
}
