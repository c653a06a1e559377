import * as tf from '@tensorflow/tfjs';
import { ResetAfterGRUCell, type ResetAfterGRUCellArgs } from './reset-after-gru-cell.js';

/** Class name under which {@link ResetAfterGRU} is registered for deserialisation. */
export const RESET_AFTER_GRU_CLASS = 'ResetAfterGRU';

/** Configuration of {@link ResetAfterGRU}: the cell's, plus the usual recurrent-layer flags. */
export interface ResetAfterGRUArgs extends ResetAfterGRUCellArgs {
  /**
   * Return the whole output sequence rather than the last output.
   * @defaultValue false
   */
  returnSequences?: boolean;
  /**
   * Also return the final state.
   * @defaultValue false
   */
  returnState?: boolean;
  /**
   * Read the sequence backwards (Bidirectional's backward copy sets it).
   * @defaultValue false
   */
  goBackwards?: boolean;
  /** Input shape without the batch dimension, when this is a model's first layer. */
  inputShape?: tf.Shape;
  /** Input shape with the batch dimension, when this is a model's first layer. */
  batchInputShape?: tf.Shape;
}

/**
 * Keras' GRU layer with `reset_after=True`, the maths in {@link ResetAfterGRUCell}. The model
 * loader renames such layers to this class, since TensorFlow.js' own GRU refuses them; it is a
 * TensorFlow.js RNN, so it runs with `returnSequences`, `returnState` and `initialState` like
 * the built-in recurrent layers, in window mode, in stateful mode and inside `Bidirectional`.
 */
export class ResetAfterGRU extends tf.RNN {
  /** @nocollapse */
  static override readonly className = RESET_AFTER_GRU_CLASS;

  constructor(args: ResetAfterGRUArgs) {
    // RNN's own fields come from args; the cell takes the GRU maths settings.
    super({ ...args, cell: new ResetAfterGRUCell(args) } as ConstructorParameters<
      typeof tf.RNN
    >[0]);
  }

  /** The configuration, flat like TensorFlow.js' GRU: the cell's settings and RNN's flags. */
  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    delete config.cell;
    return config;
  }

  /** @nocollapse */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config);
  }
}

tf.serialization.registerClass(ResetAfterGRU);
