import * as tf from '@tensorflow/tfjs';
import {
  backboneClassifier,
  type BackboneSpec,
  type ScaledBackboneOptions,
} from './backbone-classifier.js';
import type { GraphBuilder } from './graph-builder.js';
import type { BackbonePreprocessing } from './preprocess-input.js';

/** Keras' `inception_v3.preprocess_input`: mode `tf`. */
export const INCEPTION_V3_PREPROCESSING: BackbonePreprocessing = { preset: 'tf' };

const SPEC: BackboneSpec = {
  // The stem's three valid 3×3 convolutions and two stride-2 poolings need at least 75.
  defaultSize: 96,
  preprocessing: INCEPTION_V3_PREPROCESSING,
  kernels: 'glorot',
};

/**
 * InceptionV3 as `keras/src/applications/inception_v3.py` builds it with `include_top=False,
 * pooling="avg"`, in `TimeDistributed`, then `LSTM` and `Dense(softmax)`. Kept: the stem (five
 * `conv2d_bn`: Conv2D without bias, BatchNorm with `scale=False`, ReLU; `valid` where Keras
 * has it; two 3×3 stride-2 max poolings), `mixed0` (1×1, 5×5, double 3×3 and average-pool
 * branches, `Concatenate`d) and `avg_pool`. Keras names these layers itself: the names are
 * those of a fresh Keras session (`conv2d`, `batch_normalization_3`, `activation_7`,
 * `max_pooling2d_1`, `average_pooling2d`). Left out: `mixed1` to `mixed10`. Scaled down:
 * filters × `filterScale`.
 */
export function buildInceptionV3Classifier(options: ScaledBackboneOptions = {}): tf.Sequential {
  const scale = options.filterScale ?? 0.25;
  return backboneClassifier(options, SPEC, (input, b) => {
    const layers = new InceptionLayers(b, scale);
    let x = layers.convBn(input, 32, 3, 'valid', 2);
    x = layers.maxPool(layers.convBn(layers.convBn(x, 32, 3, 'valid'), 64, 3));
    x = layers.maxPool(layers.convBn(layers.convBn(x, 80, 1, 'valid'), 192, 3, 'valid'));
    return { output: mixed0(b, layers, x), name: 'inception_v3', poolingName: 'avg_pool' };
  });
}

/** Keras' `mixed0`: four branches over the stem, concatenated along the channels. */
function mixed0(b: GraphBuilder, layers: InceptionLayers, x: tf.SymbolicTensor) {
  const branch1x1 = layers.convBn(x, 64, 1);
  const branch5x5 = layers.convBn(layers.convBn(x, 48, 1), 64, 5);
  const branch3x3dbl = layers.convBn(layers.convBn(layers.convBn(x, 64, 1), 96, 3), 96, 3);
  const branchPool = layers.convBn(layers.averagePool(x), 32, 1);
  const branches = [branch1x1, branch5x5, branch3x3dbl, branchPool];
  return b.merge((args) => tf.layers.concatenate({ ...args, axis: 3 }), 'mixed0', branches);
}

/** InceptionV3's building blocks, under the names Keras gives them in a fresh session. */
class InceptionLayers {
  private readonly names = new KerasNames();

  constructor(
    private readonly b: GraphBuilder,
    private readonly filterScale: number,
  ) {}

  /** Keras' `conv2d_bn`: Conv2D without bias, BatchNorm with `scale=False`, ReLU. */
  convBn(
    x: tf.SymbolicTensor,
    filters: number,
    kernelSize: number,
    padding: 'same' | 'valid' = 'same',
    strides = 1,
  ): tf.SymbolicTensor {
    const { b, names } = this;
    const scaled = Math.max(1, Math.round(filters * this.filterScale));
    x = b.conv(x, names.next('conv2d'), scaled, kernelSize, { strides, padding });
    x = b.batchNorm(x, names.next('batch_normalization'), { scale: false });
    return b.activation(x, names.next('activation'), 'relu');
  }

  maxPool(x: tf.SymbolicTensor): tf.SymbolicTensor {
    const name = this.names.next('max_pooling2d');
    return this.b.layer(x, tf.layers.maxPooling2d, { poolSize: 3, strides: 2, name });
  }

  averagePool(x: tf.SymbolicTensor): tf.SymbolicTensor {
    const name = this.names.next('average_pooling2d');
    const args = { poolSize: 3, strides: 1, padding: 'same' as const, name };
    return this.b.layer(x, tf.layers.averagePooling2d, args);
  }
}

/** Keras' automatic layer names in a fresh session: `conv2d`, `conv2d_1`, `conv2d_2`, … */
class KerasNames {
  private readonly used = new Map<string, number>();

  next(base: string): string {
    const count = this.used.get(base) ?? 0;
    this.used.set(base, count + 1);
    return count === 0 ? base : `${base}_${count}`;
  }
}
