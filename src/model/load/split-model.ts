import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../errors.js';
import { encoderGraph, type EncoderGraph } from './encoder-graph.js';
import { RESET_AFTER_GRU_CLASS } from './reset-after-gru.js';

/** Class names of the recurrent layers framewise can step. */
const RECURRENT_CLASSES = new Set(['LSTM', 'GRU', 'SimpleRNN', RESET_AFTER_GRU_CLASS]);
/** Wraps a recurrent layer and also runs it backwards: window mode only. */
const BIDIRECTIONAL = 'Bidirectional';
/** Layers allowed after the encoder besides recurrent ones: they act on the last axis only. */
const POINTWISE_CLASSES = new Set(['Dense', 'Dropout', 'Activation']);

/** What framewise runs, for messages that refuse a model. */
export const SUPPORTED_MODELS =
  'one [batch, time, height, width, channels] input, TimeDistributed per-frame layers (the ' +
  'encoder), then LSTM, GRU, SimpleRNN or Bidirectional layers and Dense, Dropout or ' +
  'Activation layers';

/** A model split at the boundary between its per-frame encoder and its recurrent head. */
export interface SplitModel {
  /**
   * The calls applied to each frame: the graph of what the leading `TimeDistributed` layers
   * wrap (single layers, Sequential or Functional models), flattened.
   */
  readonly encoder: EncoderGraph;
  /** Recurrent, Dense, Dropout and Activation layers after the encoder, in order. */
  readonly headLayers: readonly tf.layers.Layer[];
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
 * Splits a `[batch, time, height, width, channels]` video classifier into its per-frame encoder
 * (the layers wrapped by the leading `TimeDistributed` layers) and its head (recurrent or
 * Bidirectional layers, then Dense/Dropout/Activation). Anything else is refused naming the
 * layer and what framewise supports.
 */
export function splitModel(model: tf.LayersModel): SplitModel {
  const input = model.inputs;
  if (input.length !== 1) {
    const names = input.map((tensor) => tensor.sourceLayer.name).join(', ');
    throw unsupported(`the model has ${input.length} inputs (${names})`);
  }
  const layers = linearLayers(model);
  const firstHead = layers.findIndex((layer) => layer.getClassName() !== 'TimeDistributed');
  if (firstHead === 0 && isRecurrentLike(layers[0]!)) {
    throw unsupported(
      `layer ${describe(layers[0])} comes before the TimeDistributed per-frame encoder`,
    );
  }
  const shape = input[0]!.shape;
  if (shape.length !== 5) {
    throw unsupported(`the model's input has shape ${JSON.stringify(shape)}`);
  }
  const [, time, height, width, channels] = shape;
  if (
    typeof height !== 'number' ||
    typeof width !== 'number' ||
    (channels !== 1 && channels !== 3)
  ) {
    throw unsupported(
      `the model's frames have shape ${JSON.stringify(shape.slice(2))}, which must be fixed, ` +
        `with 1 or 3 channels`,
    );
  }
  if (firstHead <= 0) {
    throw unsupported(`the model starts with ${describe(layers[0])}, not a TimeDistributed layer`);
  }
  const encoder = encoderGraph(layers.slice(0, firstHead).map(innerLayer));
  const headLayers = layers.slice(firstHead);
  checkHead(headLayers);
  const embeddingShape = layers[firstHead - 1]!.outputShape as number[];
  if (embeddingShape.length !== 3 || typeof embeddingShape[2] !== 'number') {
    throw unsupported(
      `the encoder must give one vector per frame (e.g. end with GlobalAveragePooling2D or ` +
        `Flatten), got per-frame shape ${JSON.stringify(embeddingShape.slice(2))}`,
    );
  }
  const outShape = model.outputs[0]!.shape;
  if (model.outputs.length !== 1 || outShape.length !== 2 || typeof outShape[1] !== 'number') {
    throw unsupported(
      `the model must output one [batch, classes] tensor, got ${JSON.stringify(outShape)}; ` +
        `the last recurrent layer must not return sequences`,
    );
  }
  return {
    encoder,
    headLayers,
    timeSteps: typeof time === 'number' ? time : null,
    height,
    width,
    channels,
    embeddingSize: embeddingShape[2],
    classes: outShape[1],
  };
}

/** True when framewise steps this layer as a recurrent layer (Bidirectional is not stepped). */
export function isRecurrent(layer: tf.layers.Layer): boolean {
  return RECURRENT_CLASSES.has(layer.getClassName());
}

/** True for a Bidirectional wrapper: it runs in window mode only. */
export function isBidirectional(layer: tf.layers.Layer): boolean {
  return layer.getClassName() === BIDIRECTIONAL;
}

function isRecurrentLike(layer: tf.layers.Layer): boolean {
  return isRecurrent(layer) || isBidirectional(layer);
}

/** The model's layers in order, refusing graphs that are not a single chain. */
function linearLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  for (const layer of layers) {
    const inbound = layer.inboundNodes.flatMap((node) => node.inboundLayers);
    if (inbound.length > 1) {
      throw unsupported(
        `layer ${describe(layer)} has ${inbound.length} inputs (${inbound.map((l) => l.name).join(', ')})`,
      );
    }
  }
  return layers;
}

function innerLayer(wrapper: tf.layers.Layer): tf.layers.Layer {
  const inner = (wrapper as unknown as { layer?: tf.layers.Layer }).layer;
  if (inner === undefined) throw unsupported(`${describe(wrapper)} wraps no layer`);
  return inner;
}

function checkHead(head: tf.layers.Layer[]): void {
  if (!head.some(isRecurrentLike)) {
    throw unsupported(`the model has no recurrent layer after its TimeDistributed encoder`);
  }
  for (const layer of head) {
    const name = layer.getClassName();
    if (name === 'TimeDistributed') {
      throw unsupported(`layer ${describe(layer)} comes after the recurrent head`);
    }
    if (!isRecurrentLike(layer)) {
      if (!POINTWISE_CLASSES.has(name)) {
        throw unsupported(`layer ${describe(layer)} is not supported after the encoder`);
      }
      continue;
    }
    const recurrent = isBidirectional(layer) ? innerLayer(layer) : layer;
    if (!isRecurrent(recurrent)) {
      throw unsupported(`layer ${describe(layer)} wraps ${describe(recurrent)}`);
    }
    const config = recurrent.getConfig();
    if (config.goBackwards === true || config.stateful === true) {
      throw unsupported(
        `layer ${describe(layer)} ${config.stateful === true ? 'is stateful' : 'runs backwards'}`,
      );
    }
  }
}

function describe(layer: tf.layers.Layer | undefined): string {
  return layer === undefined ? 'nothing' : `${layer.name} (${layer.getClassName()})`;
}

function unsupported(what: string): ModelError {
  return new ModelError(
    'FW_ERR_UNSUPPORTED_MODEL',
    `${what}; framewise supports ${SUPPORTED_MODELS}`,
  );
}
