import type { JobSummary, SummarySegment } from './job-summary.js';
import type { Label } from '../pipeline/label.js';
import type { LabelRun } from './label-run.js';
import { LabelRunTracker } from './label-run-tracker.js';
import { roundToMillis } from './round-to-millis.js';

/** Totals a {@link LabelSummary} cannot see in the labels; the caller measures them. */
export interface SummaryTotals {
  /** Sampled frames read from the input, including those after the last full window. */
  readonly frames: number;
  /** The job's wall-clock time, in seconds. */
  readonly seconds: number;
}

/**
 * Accumulates a job's labels, in frame order, into its {@link JobSummary}. Memory is O(1) per
 * label: a count per class and one entry per segment, never the labels themselves. Segment
 * times follow `LabelRun`: a label holds from its `t` until the next label's `t`.
 *
 * ## Example
 * ```ts
 * const summary = new LabelSummary();
 * for await (const label of labels) summary.add(label);
 * return summary.finish({ frames: 120, seconds: 2.5 });
 * ```
 */
export class LabelSummary {
  readonly #tracker = new LabelRunTracker();
  readonly #counts = new Map<string, number>();
  readonly #segments: SummarySegment[] = [];
  #windows = 0;

  /** Labels added so far. */
  get windows(): number {
    return this.#windows;
  }

  /** Adds the next label; labels must come in frame order. */
  add(label: Label): void {
    this.#windows += 1;
    const key = labelKey(label.label, label.name);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    const closed = this.#tracker.add(label);
    if (closed !== undefined) this.#segments.push(toSegment(closed));
  }

  /**
   * The summary of the labels added so far. It does not close anything: it may be called for
   * progress reports and more labels added afterwards.
   */
  finish(totals: SummaryTotals): JobSummary {
    const open = this.#tracker.peek();
    return {
      frames: totals.frames,
      windows: this.#windows,
      // fromEntries defines own properties, so a class named "__proto__" stays a plain key.
      counts: Object.fromEntries(this.#counts),
      segments: open === undefined ? [...this.#segments] : [...this.#segments, toSegment(open)],
      seconds: totals.seconds,
    };
  }
}

function labelKey(index: number, name: string | undefined): string {
  return name ?? String(index);
}

function toSegment(run: LabelRun): SummarySegment {
  return {
    label: labelKey(run.label, run.name),
    start: roundToMillis(run.start),
    end: roundToMillis(run.end),
  };
}
