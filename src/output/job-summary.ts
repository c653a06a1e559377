/** One segment of a {@link JobSummary}: a maximal run of windows with the same label. */
export interface SummarySegment {
  /** The class's name when the model has class names, else its index as a decimal string. */
  readonly label: string;
  /**
   * Start in seconds from the start of the input: the `t` of the run's first label (the end of
   * its first window), rounded to milliseconds.
   */
  readonly start: number;
  /**
   * End (exclusive) in seconds from the start of the input, rounded to milliseconds: the next
   * segment's `start`; for the last segment, one label period after its last label (see
   * `LabelRun`).
   */
  readonly end: number;
}

/** A job's return value: what was labeled and how, in one JSON object. */
export interface JobSummary {
  /** Sampled frames read from the input. */
  readonly frames: number;
  /** Windows labeled, i.e. labels emitted. */
  readonly windows: number;
  /** Labels per class, keyed like {@link SummarySegment.label}. */
  readonly counts: Readonly<Record<string, number>>;
  /** The labels grouped into runs, in time order; consecutive segments differ in label. */
  readonly segments: readonly SummarySegment[];
  /** Seconds, as given to `LabelSummary.finish`: the job's wall-clock time. */
  readonly seconds: number;
}
