import type { HeadMode } from '../options/label-options.js';
import type { BatchEncoder } from '../model/run/batch-encoder.js';
import type { Frame } from '../decode/frame.js';
import type { Gap } from './label-counters.js';
import type { ResumePoint } from './resume-point.js';

/** Where frames come from: a batch at a time, `[]` at the end (FrameSource does this). */
export interface FrameReader {
  /**
   * Resolves with 1 to `maxFrames` frames once `minFrames` (default 1) are ready or the input
   * ends, `[]` at the end.
   */
  read(maxFrames: number, minFrames?: number): Promise<Frame[]>;
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
  /**
   * Labels need not come out as soon as possible (files, not live streams): wait for whole
   * batches from the reader instead of taking what is there, and, in window mode, classify
   * windows in groups of 64 rather than a batch's worth. Both calls cost mostly a fixed amount
   * each; when decoding is the bottleneck, taking what is there means batches of one or two
   * frames, each paying those costs on the CPU ffmpeg needs. On a live stream a frame must not
   * wait for the next.
   * @defaultValue false
   */
  readonly fullBatches?: boolean;
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
