import type { BackendName } from './backend.js';

/** What an encoder thread is started with. */
export interface EncoderThreadData {
  /** Model directory or URL, as `loadModel` takes it. */
  readonly location: string;
  readonly backend: BackendName;
  readonly fold: boolean;
  /** Frames of the blank batch the thread runs once after loading. */
  readonly warmUpFrames: number;
}

/** The thread's first message: the model loaded (or why not). */
export type EncoderThreadStart =
  | { readonly ready: true; readonly embeddingSize: number }
  | { readonly ready: false; readonly error: string };

/** One batch to encode: `frames` frames packed one after the other in `pixels`. */
export interface EncodeRequest {
  readonly id: number;
  readonly pixels: ArrayBuffer;
  readonly frames: number;
}

/** The embeddings of one batch, or why it failed. */
export type EncodeReply =
  | { readonly id: number; readonly embeddings: Float32Array }
  | { readonly id: number; readonly error: string };
