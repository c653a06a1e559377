import type { Preprocessing } from './load/framewise-config.js';
import type { BatchEncoder } from './run/batch-encoder.js';
import type { Head } from './run/head.js';

/** The shapes a run needs: the frames the model takes and what its parts exchange. */
export interface ModelShape {
  /** Fixed time dimension of the model's input, or null when it takes any length. */
  readonly timeSteps: number | null;
  /** Input frame height in pixels. */
  readonly height: number;
  /** Input frame width in pixels. */
  readonly width: number;
  /** Input channels: 1 (grey) or 3 (colour). */
  readonly channels: 1 | 3;
  /** Width of one frame's embedding: the encoder's output size. */
  readonly embeddingSize: number;
  /** Number of output classes. */
  readonly classes: number;
}

/**
 * A video classifier ready to label with, whatever it was loaded from: a TensorFlow.js Layers
 * model ({@link LoadedModel}) or an ONNX model directory. The labeling driver needs nothing
 * more.
 */
export interface RunnableModel {
  /** Where it was loaded from (a directory or a URL), for messages. */
  readonly source: string;
  /** Its input frames and the encoder/head boundary. */
  readonly split: ModelShape;
  /** The per-frame CNN. */
  readonly encoder: BatchEncoder;
  /** The recurrent layers and what follows them. */
  readonly head: Head;
  /** Class names in output order, when framewise.json gives them. */
  readonly classNames: readonly string[] | undefined;
  /** How pixels become inputs. */
  readonly preprocessing: Preprocessing;
  /** Frames per window by default: the model's time dimension, else framewise.json's, else 4. */
  readonly defaultWindow: number;
  /** Frees the model. */
  dispose(): void;
}
