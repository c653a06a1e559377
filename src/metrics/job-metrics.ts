/**
 * What a running job reports to the worker's metrics, as it happens. Every method adds to a
 * process-wide total (no per-job labels: job ids would make unbounded series); calls are cheap
 * and synchronous, so they may sit on the pipeline's hot path.
 *
 * The worker passes one to `runVideoJob` as `VideoJobRun.metrics`; it is absent when the worker
 * serves no metrics, hence the optional calls (`run.metrics?.labelsWritten(1)`).
 */
export interface JobMetrics {
  /** `n` more frames came out of ffmpeg (sampled frames, as in `--stats` `frames`). */
  framesDecoded(n: number): void;
  /** `n` more labels went into the job's stream. */
  labelsWritten(n: number): void;
  /** `n` more window frames were served from the embedding cache instead of the CNN. */
  cacheHits(n: number): void;
  /** `n` more frames of a live source were dropped because the pipeline was behind. */
  droppedFrames(n: number): void;
  /** ffmpeg was restarted `n` more times (a live source reconnecting after an outage). */
  ffmpegRestarts(n: number): void;
  /** One encoder (CNN) batch took `seconds` of wall time. */
  encoderBatch(seconds: number): void;
  /** One label of a live source was written `seconds` after its frame was captured. */
  latency(seconds: number): void;
}
