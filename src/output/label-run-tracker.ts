import type { Label } from '../pipeline/label.js';
import type { LabelRun } from './label-run.js';

/** The run in progress; mutable so that adding a label allocates nothing. */
interface OpenRun {
  label: number;
  name: string | undefined;
  start: number;
  firstFrame: number;
  lastFrame: number;
  lastT: number;
  /** `t` of the label before the last one, across runs; NaN until there is one. */
  previousT: number;
  windows: number;
  scoreSum: number;
}

/**
 * Groups a stream of labels, in frame order, into {@link LabelRun}s. Memory is O(1): only the
 * run in progress is held; closed runs are handed back to the caller.
 *
 * ## Example
 * ```ts
 * const tracker = new LabelRunTracker();
 * for (const label of labels) {
 *   const closed = tracker.add(label);
 *   if (closed) console.log(closed);
 * }
 * const last = tracker.flush();
 * ```
 */
export class LabelRunTracker {
  #open: OpenRun | undefined;

  /**
   * Adds the next label.
   *
   * @returns The run this label closes (when its class differs from the run in progress),
   *   else undefined.
   */
  add(label: Label): LabelRun | undefined {
    const open = this.#open;
    if (open !== undefined && open.label === label.label) {
      open.previousT = open.lastT;
      open.lastT = label.t;
      open.lastFrame = label.frame;
      open.windows += 1;
      open.scoreSum += label.score;
      return undefined;
    }
    this.#open = {
      label: label.label,
      name: label.name,
      start: label.t,
      firstFrame: label.frame,
      lastFrame: label.frame,
      lastT: label.t,
      previousT: open === undefined ? Number.NaN : open.lastT,
      windows: 1,
      scoreSum: label.score,
    };
    return open === undefined ? undefined : toRun(open, label.t);
  }

  /**
   * The run in progress as it would be closed now, without closing it; undefined before the
   * first label. Its `end` is one label period after its last label (see {@link LabelRun}).
   */
  peek(): LabelRun | undefined {
    const open = this.#open;
    if (open === undefined) return undefined;
    const period = Number.isNaN(open.previousT) ? 0 : open.lastT - open.previousT;
    return toRun(open, open.lastT + Math.max(0, period));
  }

  /** Closes and returns the run in progress (see {@link peek}); the tracker starts afresh. */
  flush(): LabelRun | undefined {
    const run = this.peek();
    this.#open = undefined;
    return run;
  }
}

function toRun(open: OpenRun, end: number): LabelRun {
  return {
    label: open.label,
    ...(open.name === undefined ? {} : { name: open.name }),
    start: open.start,
    end,
    firstFrame: open.firstFrame,
    lastFrame: open.lastFrame,
    windows: open.windows,
    meanScore: open.scoreSum / open.windows,
  };
}
