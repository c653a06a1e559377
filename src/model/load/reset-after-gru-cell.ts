import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../errors.js';

/** Activations the cell implements, by their TensorFlow.js (camel-case) names. */
const ACTIVATIONS: Readonly<Record<string, (x: tf.Tensor) => tf.Tensor>> = {
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  relu: (x) => tf.relu(x),
  linear: (x) => x,
};

/** Configuration of {@link ResetAfterGRUCell}, as Keras' GRU layer config gives it. */
export interface ResetAfterGRUCellArgs {
  /** Width of the state and of the output. */
  units: number;
  /**
   * Activation of the candidate state.
   * @defaultValue 'tanh'
   */
  activation?: string;
  /**
   * Activation of the update and reset gates.
   * @defaultValue 'sigmoid' (Keras' default, not TensorFlow.js' hard sigmoid)
   */
  recurrentActivation?: string;
  /**
   * Whether the cell has biases.
   * @defaultValue true
   */
  useBias?: boolean;
  /** Layer name. */
  name?: string;
  /** Whether the weights are trainable (they are only ever read here). */
  trainable?: boolean;
}

/**
 * One step of Keras' GRU with `reset_after=True` (its default), which TensorFlow.js does not
 * implement. Weights as Keras stores them: `kernel` `[input, 3·units]` and `recurrent_kernel`
 * `[units, 3·units]`, columns in gate order z (update), r (reset), h (candidate); `bias`
 * `[2, 3·units]`, row 0 added to the input projection, row 1 to the recurrent one. Then
 * ```
 * z  = σ(x·Wz + bz + h·Uz + b'z)        r = σ(x·Wr + br + h·Ur + b'r)
 * hh = tanh(x·Wh + bh + r ⊙ (h·Uh + b'h))
 * h' = z ⊙ h + (1 − z) ⊙ hh
 * ```
 * Inference only: dropout is ignored and the weights start at zero until the model's weights
 * are loaded into them.
 */
export class ResetAfterGRUCell extends tf.layers.RNNCell {
  /** @nocollapse */
  static readonly className = 'ResetAfterGRUCell';
  readonly units: number;
  readonly stateSize: number;
  readonly useBias: boolean;
  private readonly activationName: string;
  private readonly recurrentActivationName: string;
  private kernel?: tf.LayerVariable;
  private recurrentKernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: ResetAfterGRUCellArgs) {
    super({ name: args.name, trainable: args.trainable });
    if (!Number.isInteger(args.units) || args.units < 1) {
      throw new ModelError(
        'FW_ERR_MODEL_INVALID',
        `GRU ${args.name ?? ''} units must be an integer >= 1, got ${JSON.stringify(args.units)}`,
      );
    }
    this.units = args.units;
    this.stateSize = args.units;
    this.useBias = args.useBias ?? true;
    this.activationName = checkActivation(args.activation ?? 'tanh', args.name);
    this.recurrentActivationName = checkActivation(
      args.recurrentActivation ?? 'sigmoid',
      args.name,
    );
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputSize = shape[shape.length - 1]!;
    const zeros = tf.initializers.zeros();
    const u = this.units;
    this.kernel = this.addWeight('kernel', [inputSize!, 3 * u], 'float32', zeros);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, 3 * u], 'float32', zeros);
    if (this.useBias) this.bias = this.addWeight('bias', [2, 3 * u], 'float32', zeros);
    this.built = true;
  }

  /** `inputs` is `[x, h]` (`[batch, input]`, `[batch, units]`); returns `[h', h']`. */
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const [x, h] = inputs as tf.Tensor[];
      let xw = tf.matMul(x!, this.kernel!.read());
      let hu = tf.matMul(h!, this.recurrentKernel!.read());
      if (this.bias !== undefined) {
        const [inputBias, recurrentBias] = tf.unstack(this.bias.read());
        xw = tf.add(xw, inputBias!);
        hu = tf.add(hu, recurrentBias!);
      }
      const [xz, xr, xh] = tf.split(xw, 3, 1);
      const [hz, hr, hh] = tf.split(hu, 3, 1);
      const gate = ACTIVATIONS[this.recurrentActivationName]!;
      const z = gate(tf.add(xz!, hz!));
      const r = gate(tf.add(xr!, hr!));
      // reset_after: the reset gate scales the recurrent projection, bias included.
      const candidate = ACTIVATIONS[this.activationName]!(tf.add(xh!, tf.mul(r, hh!)));
      const next = tf.add(tf.mul(z, h!), tf.mul(tf.sub(1, z), candidate));
      return [next, next];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activationName,
      recurrentActivation: this.recurrentActivationName,
      useBias: this.useBias,
      resetAfter: true,
    };
  }
}

tf.serialization.registerClass(ResetAfterGRUCell);

function checkActivation(name: string, layer: string | undefined): string {
  if (!(name in ACTIVATIONS)) {
    throw new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      `GRU ${layer ?? ''} uses activation ${JSON.stringify(name)}; framewise runs GRU layers ` +
        `with reset_after=True and activations ${Object.keys(ACTIVATIONS).join(', ')}`,
    );
  }
  return name;
}
