/** One label: the model's verdict on the window that ends at frame `frame`. */
export interface Label {
  /** 0-based index, among the sampled frames, of the window's last frame. */
  readonly frame: number;
  /**
   * Index of the window's first frame; in stateful mode, the first frame since the recurrent
   * state was last reset.
   */
  readonly start: number;
  /** Presentation time in seconds of frame `frame`, from the start of the input. */
  readonly t: number;
  /** Index of the most probable class. */
  readonly label: number;
  /** The class's name, when the model has class names. */
  readonly name?: string;
  /** Probability of the most probable class. */
  readonly score: number;
  /** Every class's probability, in class order. */
  readonly scores: readonly number[];
  /** Live sources: milliseconds from the window's last frame arriving to this label. */
  readonly latencyMs?: number;
}
