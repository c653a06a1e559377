/**
 * Where a labeling run can pick up after it is interrupted, with every label up to it already
 * out: decode again from frame `frame` (at time `t`), numbering frames from it.
 * - Window mode: `frame` is the first frame of the last window labeled; the run relabels that
 *   window (a label the stream rejects as a replay) and continues, so no window is lost.
 * - Stateful mode: `frame` is the last frame stepped and `state` the recurrent state after it;
 *   the run skips that frame and continues from the state.
 */
export interface ResumePoint {
  /** Index of the frame to decode again from. */
  readonly frame: number;
  /** Its presentation time, in seconds from the start of the input. */
  readonly t: number;
  /** Stateful mode: the recurrent state after `frame`, per layer, per state tensor. */
  readonly state?: number[][][];
  /** Stateful mode: the first frame since the state was last reset (labels' `start`). */
  readonly start?: number;
}
