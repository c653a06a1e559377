/**
 * The recurrent state of one stream in stateful mode. It owns what it holds: call
 * {@link HeadState.dispose} when the stream ends or the state is reset.
 */
export interface HeadState {
  /** The state's values, per recurrent layer (or state input), per state tensor: what a checkpoint stores. */
  toArrays(): number[][][];
  /** Frees what the state holds. */
  dispose(): void;
}

/**
 * What turns a window's embeddings into class probabilities: the model's recurrent layers and
 * what follows them, run by TensorFlow.js ({@link RecurrentHead}) or ONNX Runtime. Calls may
 * return a promise (ONNX Runtime computes off the event loop).
 */
export interface Head {
  /** Floats per frame embedding it takes. */
  readonly embeddingSize: number;
  /** Class probabilities it gives per window. */
  readonly classes: number;
  /** Throws unless the head can carry its state from frame to frame (stateful mode). */
  assertStateful(): void;
  /**
   * Classifies `windows` windows of `steps` embeddings each, each from a fresh state.
   * @param embeddings - `windows × steps × embeddingSize` floats.
   * @returns `windows × classes` probabilities.
   */
  classifyWindows(
    embeddings: Float32Array,
    windows: number,
    steps: number,
  ): Float32Array | Promise<Float32Array>;
  /** A zero state for a new stream in stateful mode. */
  createState(): HeadState;
  /**
   * A state restored from {@link HeadState.toArrays} (a checkpoint).
   * @throws RangeError when the arrays do not fit this model.
   */
  restoreState(arrays: readonly (readonly (readonly number[])[])[]): HeadState;
  /**
   * Advances `state` over `frames` consecutive embeddings and classifies the frames at
   * positions `emitAt` (0-based within this call, ascending).
   * @returns `emitAt.length × classes` probabilities.
   */
  step(
    state: HeadState,
    embeddings: Float32Array,
    frames: number,
    emitAt: readonly number[],
  ): Float32Array | Promise<Float32Array>;
  /** Frees what the head holds beside the model's own weights. */
  dispose(): void;
}
