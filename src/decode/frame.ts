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
   * When the frame was captured as near as the source can tell, `performance.now()`
   * milliseconds, for capture-to-label latency: its arrival from ffmpeg, or for a live stream
   * the earlier of that and its place on the stream's own clock (so time a frame spent waiting
   * upstream, in ffmpeg, a pipe or a socket, counts too). Set by sources asked for it.
   */
  readonly capturedAt?: number;
  /**
   * Frames dropped right before this one because the reader fell behind (overload policy
   * `drop`). Windows do not span them; the recurrent state steps over them.
   */
  readonly droppedBefore?: number;
}
