import * as tf from '@tensorflow/tfjs';
import {
  backboneClassifier,
  type BackboneSpec,
  type ScaledBackboneOptions,
} from './backbone-classifier.js';
import type { GraphBuilder } from './graph-builder.js';
import type { BackbonePreprocessing } from './preprocess-input.js';

/** Keras' `resnet.preprocess_input`: mode `caffe`. */
export const RESNET50_PREPROCESSING: BackbonePreprocessing = { preset: 'caffe' };

/** BatchNorm epsilon of Keras' ResNets (1e-3, Keras' default, elsewhere). */
const RESNET_EPSILON = 1.001e-5;
const SPEC: BackboneSpec = {
  defaultSize: 64,
  preprocessing: RESNET50_PREPROCESSING,
  kernels: 'glorot',
};

/**
 * ResNet50 as `keras/src/applications/resnet.py` builds it (`ResNet`, `residual_block_v1`) with
 * `include_top=False, pooling="avg"`, in `TimeDistributed`, then `LSTM` and `Dense(softmax)`.
 * Kept: the stem (`conv1_pad`, `conv1_conv` 7×7 stride 2 `valid`, `conv1_bn`, `conv1_relu`,
 * `pool1_pad`, `pool1_pool`), the three `conv2` blocks (`conv2_block1` with a convolution
 * shortcut, `conv2_block2`/`3` with identity ones, each ending in `_add` and `_out`),
 * `conv3_block1` (stride 2 on its `_0_conv` and `_1_conv`) and `avg_pool`. Convolutions have
 * biases, as in Keras' ResNet50 (`use_bias=True`); BatchNorm epsilon 1.001e-5. Left out:
 * `conv3_block2` to `conv5`. Scaled down: filters × `filterScale`.
 */
export function buildResNet50Classifier(options: ScaledBackboneOptions = {}): tf.Sequential {
  const scale = options.filterScale ?? 0.25;
  const filters = (n: number) => Math.max(1, Math.round(n * scale));
  return backboneClassifier(options, SPEC, (input, b) => {
    let x = b.pad(input, 'conv1_pad', 3, 3);
    x = b.conv(x, 'conv1_conv', filters(64), 7, { strides: 2, bias: true });
    x = b.batchNorm(x, 'conv1_bn', { epsilon: RESNET_EPSILON });
    x = b.activation(x, 'conv1_relu', 'relu');
    x = b.pad(x, 'pool1_pad', 1, 1);
    x = b.layer(x, tf.layers.maxPooling2d, { poolSize: 3, strides: 2, name: 'pool1_pool' });
    for (let block = 1; block <= 3; block++) {
      x = residualBlock(b, x, filters(64), block === 1 ? 1 : null, `conv2_block${block}`);
    }
    x = residualBlock(b, x, filters(128), 2, 'conv3_block1');
    return { output: x, name: 'resnet50', poolingName: 'avg_pool' };
  });
}

/** Keras' `residual_block_v1`; `shortcutStride` null for an identity shortcut. */
function residualBlock(
  b: GraphBuilder,
  input: tf.SymbolicTensor,
  filters: number,
  shortcutStride: 1 | 2 | null,
  name: string,
): tf.SymbolicTensor {
  const strides = shortcutStride ?? 1;
  const bn = { epsilon: RESNET_EPSILON };
  let shortcut = input;
  if (shortcutStride !== null) {
    shortcut = b.conv(input, `${name}_0_conv`, 4 * filters, 1, { strides, bias: true });
    shortcut = b.batchNorm(shortcut, `${name}_0_bn`, bn);
  }
  let x = b.conv(input, `${name}_1_conv`, filters, 1, { strides, bias: true });
  x = b.activation(b.batchNorm(x, `${name}_1_bn`, bn), `${name}_1_relu`, 'relu');
  x = b.conv(x, `${name}_2_conv`, filters, 3, { padding: 'same', bias: true });
  x = b.activation(b.batchNorm(x, `${name}_2_bn`, bn), `${name}_2_relu`, 'relu');
  x = b.conv(x, `${name}_3_conv`, 4 * filters, 1, { bias: true });
  x = b.batchNorm(x, `${name}_3_bn`, bn);
  x = b.merge(tf.layers.add, `${name}_add`, [shortcut, x]);
  return b.activation(x, `${name}_out`, 'relu');
}
