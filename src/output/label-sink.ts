import type { Label } from '../pipeline/label.js';
import type { Gap } from '../pipeline/label-frames.js';

/**
 * Where labels go: stdout as JSON lines, a terminal timeline, a Redis Stream. A sink knows
 * nothing of models or video; it receives labels in frame order.
 */
export interface LabelSink {
  /**
   * Writes one label. The promise settles once the sink can take the next label, so awaiting
   * it applies backpressure to the pipeline; it rejects if the output failed or the sink is
   * closed.
   */
  write(label: Label): Promise<void>;
  /**
   * Records an outage of a live source, in order with the labels (before the first label after
   * it). Sinks without it drop gaps.
   */
  writeGap?(gap: Gap): Promise<void>;
  /** Flushes what is buffered and releases the output. A second call returns the same promise. */
  close(): Promise<void>;
}
