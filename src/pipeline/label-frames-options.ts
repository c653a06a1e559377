import type { HeadMode } from '../config/label-options.js';
import type { BatchEncoder } from '../model/batch-encoder.js';
import type { Frame } from '../source/frame.js';
import type { Gap } from './label-counters.js';
import type { ResumePoint } from './resume-point.js';

/** Where frames come from: a batch at a time, `[]` at the end (FrameSource does this). */
export interface FrameReader {
  /** Resolves with 1 to `maxFrames` frames as soon as any is ready, `[]` at the end. */
  read(maxFrames: number): Promise<Frame[]>;
}

/** What {@link labelFrames} needs to know, already validated. */
export interface LabelFramesOptions {
  /** Frames per window. */
  readonly window: number;
  /** Frames from one window's end to the next. */
  readonly stride: number;
  /** Fresh state per window, or state carried across the stream. */
  readonly mode: HeadMode;
  /** Frames per encoder batch. */
  readonly batch: number;
  /** Reuse embeddings across overlapping windows. */
  readonly cache: boolean;
  /**
   * Encodes frames, on worker threads for example; batches are kept in flight while frames
   * are read and labeled, as many as it has threads.
   * @defaultValue the model's own encoder, on this thread
   */
  readonly encoder?: BatchEncoder;
  /** Stops the run between two batches. */
  readonly signal?: AbortSignal;
  /**
   * Continue an interrupted run: the reader starts at `resume.frame` (see {@link ResumePoint}).
   */
  readonly resume?: ResumePoint;
  /**
   * Called when the source reports an outage (a live stream that had to reconnect), after
   * every label before it and before the first label after it; windows never span an outage.
   */
  readonly onGap?: (gap: Gap) => void;
  /** Called after each encoder batch with its duration in seconds (for metrics). */
  readonly onEncoderBatch?: (seconds: number) => void;
  /**
   * Stateful mode: keep the recurrent state across an outage instead of starting afresh.
   * @defaultValue false
   */
  readonly keepStateOverGaps?: boolean;
}
