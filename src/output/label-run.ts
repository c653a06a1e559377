/**
 * A maximal run of consecutive labels with the same class: what a person sees as one segment
 * of the video ("same shot" from 0 s to 3.2 s).
 *
 * Times follow one rule: a label holds from its own `t` (the time of its window's last frame,
 * when the model has seen the whole window) until the next label's `t`. So a run starts at its
 * first label's `t` and ends where the next run starts, and runs tile the labeled time without
 * gaps or overlaps. The final run ends one label period after its last label: the spacing of
 * the last two labels' `t` (stride / fps at a constant rate). A lone label, with no period to
 * measure, ends at its own `t`.
 */
export interface LabelRun {
  /** Index of the class every label of the run has. */
  readonly label: number;
  /** The class's name, when the model has class names. */
  readonly name?: string;
  /** When the run starts: its first label's `t`, in seconds from the start of the input. */
  readonly start: number;
  /** When the run ends (exclusive), in seconds from the start of the input. */
  readonly end: number;
  /** `frame` of the run's first label (the last frame of its first window). */
  readonly firstFrame: number;
  /** `frame` of the run's last label (the last frame of its last window). */
  readonly lastFrame: number;
  /** Labels (windows) in the run; at least 1. */
  readonly windows: number;
  /** Mean of the run's label scores, a probability in [0, 1]. */
  readonly meanScore: number;
}
