import * as tf from '@tensorflow/tfjs';

/** A weight initialiser (TF.js does not export its type). */
type Initializer = ReturnType<typeof tf.initializers.zeros>;

/**
 * Initialiser of a backbone's convolution kernels: Keras' default Glorot, or EfficientNet's
 * `CONV_KERNEL_INITIALIZER` (variance scaling 2, fan out, truncated normal).
 */
export type KernelInitializer = 'glorot' | 'fanOut';

/** How {@link GraphBuilder.conv} differs from a Keras Conv2D's defaults, and its bias. */
interface ConvOptions {
  strides?: number;
  padding?: 'same' | 'valid';
  /** With a (seeded, non-zero) bias; Keras' backbones mostly have none before a BatchNorm. */
  bias?: boolean;
  activation?: 'swish' | 'sigmoid';
}

/** Applies Keras layers one line each, every weight from its own seed drawn from one seed. */
export class GraphBuilder {
  private seed: number;

  constructor(
    seed: number,
    private readonly kernels: KernelInitializer,
  ) {
    this.seed = seed * 10_000;
  }

  nextSeed(): number {
    return this.seed++;
  }

  glorot(): Initializer {
    return tf.initializers.glorotUniform({ seed: this.nextSeed() });
  }

  /** Small non-zero biases (Keras starts from zeros), so that a bias lost on the way shows. */
  bias(): Initializer {
    return tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: this.nextSeed() });
  }

  layer<A>(x: tf.SymbolicTensor, create: (args: A) => tf.layers.Layer, args: A): tf.SymbolicTensor {
    return create(args).apply(x) as tf.SymbolicTensor;
  }

  merge(
    create: (args: { name: string }) => tf.layers.Layer,
    name: string,
    inputs: tf.SymbolicTensor[],
  ): tf.SymbolicTensor {
    return create({ name }).apply(inputs) as tf.SymbolicTensor;
  }

  conv(
    x: tf.SymbolicTensor,
    name: string,
    filters: number,
    kernelSize: number,
    { strides = 1, padding = 'valid', bias = false, activation }: ConvOptions = {},
  ): tf.SymbolicTensor {
    return this.layer(x, tf.layers.conv2d, {
      filters,
      kernelSize,
      strides,
      padding,
      activation,
      useBias: bias,
      kernelInitializer: this.kernel(),
      biasInitializer: bias ? this.bias() : undefined,
      name,
    });
  }

  /** A bias-free DepthwiseConv2D, `same` at stride 1 and `valid` (after a pad) at stride 2. */
  depthwise(x: tf.SymbolicTensor, name: string, kernelSize: number, strides: 1 | 2) {
    const padding: 'same' | 'valid' = strides === 1 ? 'same' : 'valid';
    const depthwiseInitializer = this.kernel();
    const args = { kernelSize, strides, padding, useBias: false, depthwiseInitializer, name };
    return this.layer(x, tf.layers.depthwiseConv2d, args);
  }

  batchNorm(
    x: tf.SymbolicTensor,
    name: string,
    { epsilon = 1e-3, momentum = 0.99, scale = true } = {},
  ): tf.SymbolicTensor {
    return this.layer(x, tf.layers.batchNormalization, {
      axis: -1,
      epsilon,
      momentum,
      scale,
      name,
    });
  }

  activation(x: tf.SymbolicTensor, name: string, activation: 'relu' | 'swish') {
    return this.layer(x, tf.layers.activation, { activation, name });
  }

  relu6(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
    return this.layer(x, tf.layers.reLU, { maxValue: 6, name });
  }

  pad(x: tf.SymbolicTensor, name: string, rows: number, cols: number): tf.SymbolicTensor {
    const padding: [[number, number], [number, number]] = [
      [rows, rows],
      [cols, cols],
    ];
    return this.layer(x, tf.layers.zeroPadding2d, { padding, name });
  }

  /** Keras' `imagenet_utils.correct_pad`: "same" padding for a strided `valid` convolution. */
  correctPad(x: tf.SymbolicTensor, name: string, kernelSize: number): tf.SymbolicTensor {
    const half = Math.floor(kernelSize / 2);
    const [, rows, cols] = x.shape as number[];
    const padding: [[number, number], [number, number]] = [
      [half - 1 + (rows! % 2), half],
      [half - 1 + (cols! % 2), half],
    ];
    return this.layer(x, tf.layers.zeroPadding2d, { padding, name });
  }

  private kernel(): Initializer {
    if (this.kernels === 'glorot') return this.glorot();
    const seed = this.nextSeed();
    const distribution = 'truncatedNormal';
    return tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution, seed });
  }
}
