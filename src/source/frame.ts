/** One decoded video frame, already scaled to the model's input size. */
export interface Frame {
  /** 0-based index among the sampled frames of this input. */
  readonly index: number;
  /** Presentation time in seconds from the start of the input. */
  readonly t: number;
  /**
   * Pixels, row-major `height × width × channels`, 8 bits per channel, in the channel order
   * ffmpeg was asked for. May be a view into a larger buffer: never write to it.
   */
  readonly pixels: Uint8Array;
  /**
   * Live sources: the outage before this frame, in seconds, when the source had to reconnect
   * to get it. Windows and recurrent state do not span an outage.
   */
  readonly gapBefore?: number;
  /**
   * When the frame came out of ffmpeg, `performance.now()` milliseconds (for capture-to-label
   * latency); set when the source was asked for arrival times (live sources are).
   */
  readonly receivedAt?: number;
  /**
   * Frames dropped right before this one because the reader fell behind (overload policy
   * `drop`). Windows do not span them; the recurrent state steps over them.
   */
  readonly droppedBefore?: number;
}
