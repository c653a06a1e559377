/**
 * Builds a fixture model as Keras 2.15 or Keras 3 would save it: the `model_config` JSON with
 * Keras' default layer names, and each top-level layer's variables under the names Keras gives
 * them (the weight names tensorflowjs_converter copies into the manifest).
 */
import * as k2 from './keras2-config.js';
import * as k3 from './keras3-config.js';
import {
  innerOutputShape,
  isEncoder,
  kerasOrder,
  outputShape,
  variables,
  type EncoderSpec,
  type LayerSpec,
  type Shape,
  type VariableSpec,
} from './layer-spec.js';
import type { Namer } from './namer.js';
import type { PyJson } from './python-json.js';

type Config = { [key: string]: PyJson };

/** A variable under its full Keras name. */
export interface WeightEntry extends VariableSpec {
  readonly name: string;
}

/** The variables of one top-level layer: one group of the .h5 file's `model_weights`. */
export interface LayerWeights {
  readonly layer: string;
  readonly weights: WeightEntry[];
}

/** A model as Keras saves it. */
export interface BuiltModel {
  readonly modelConfig: Config;
  readonly layers: LayerWeights[];
}

/** A tensor of a Functional model under construction. */
export interface TensorRef {
  readonly layer: string;
  readonly shape: Shape;
}

interface BuiltLayer {
  readonly name: string;
  readonly entry: Config;
  readonly shape: Shape;
  readonly weights: WeightEntry[];
}

/** A Sequential model: an InputLayer of `inputShape`, then `specs` in a chain. */
export function buildSequential(
  namer: Namer,
  inputShape: Shape,
  specs: readonly LayerSpec[],
): BuiltModel {
  const v = namer.version;
  let shape = inputShape;
  const built = specs.map((spec, i) => {
    const layer = buildLayer(namer, spec, shape, v === 2 && i === 0 ? inputShape : undefined);
    shape = layer.shape;
    return layer;
  });
  const name = namer.name('Sequential');
  const input =
    v === 2
      ? k2.inputLayer(`${built[0]!.name}_input`, inputShape)
      : { class_name: 'InputLayer', config: k3.inputLayerConfig(namer.input(), inputShape) };
  const config: Config =
    v === 2
      ? { name, layers: [input, ...built.map((b) => b.entry)] }
      : {
          ...k3.baseConfig(name),
          layers: [input, ...built.map((b) => b.entry)],
          build_input_shape: inputShape,
        };
  // Keras 3 builds a Sequential model inside its own name scope: its variables carry its name.
  const prefix = v === 3 ? `${name}/` : '';
  return {
    modelConfig: { class_name: 'Sequential', config },
    layers: built.map((b) => ({
      layer: b.name,
      weights: b.weights.map((w) => ({ ...w, name: prefix + w.name })),
    })),
  };
}

/** A Functional model built call by call. */
export class FunctionalBuilder {
  private readonly entries: Config[] = [];
  private readonly weights: LayerWeights[] = [];
  private readonly inputs: TensorRef[] = [];

  constructor(private readonly namer: Namer) {}

  input(shape: Shape): TensorRef {
    const name = this.namer.input();
    const config =
      this.namer.version === 2
        ? (k2.inputLayer(name, shape).config as Config)
        : k3.inputLayerConfig(name, shape);
    this.entries.push({ class_name: 'InputLayer', config, name, inbound_nodes: [] });
    const ref = { layer: name, shape };
    this.inputs.push(ref);
    return ref;
  }

  /** Calls a new layer on `inputs` (a list argument when several). */
  call(spec: LayerSpec, inputs: readonly TensorRef[]): TensorRef {
    const layer = buildLayer(this.namer, spec, inputs[0]!.shape, undefined, inputs);
    const node =
      this.namer.version === 2
        ? [inputs.map((t) => [t.layer, 0, 0, {}])]
        : [
            {
              args: inputs.length === 1 ? [kerasTensor(inputs[0]!)] : [inputs.map(kerasTensor)],
              kwargs: {},
            },
          ];
    this.entries.push({ ...layer.entry, name: layer.name, inbound_nodes: node });
    this.weights.push({ layer: layer.name, weights: layer.weights });
    return { layer: layer.name, shape: layer.shape };
  }

  /** The model's config; Keras 2 names a Model `model`, Keras 3 `functional`. */
  build(outputs: readonly TensorRef[], className = 'Functional'): BuiltModel {
    const name = this.namer.name(this.namer.version === 2 ? 'Model' : 'Functional');
    return {
      modelConfig: {
        class_name: className,
        config: {
          name,
          trainable: true,
          layers: this.entries,
          input_layers: this.inputs.map((t) => [t.layer, 0, 0]),
          output_layers: outputs.map((t) => [t.layer, 0, 0]),
        },
      },
      layers: this.weights,
    };
  }
}

function kerasTensor(t: TensorRef): Config {
  return {
    class_name: '__keras_tensor__',
    config: { shape: t.shape, dtype: 'float32', keras_history: [t.layer, 0, 0] },
  };
}

function buildLayer(
  namer: Namer,
  spec: LayerSpec,
  input: Shape,
  batchInputShape?: Shape,
  inputs: readonly TensorRef[] = [],
): BuiltLayer {
  const v = namer.version;
  if (spec.kind === 'TimeDistributed')
    return buildTimeDistributed(namer, spec.layer, input, batchInputShape);
  if (spec.kind === 'Bidirectional') {
    const inner = namer.name(spec.layer.kind);
    const name = namer.name('Bidirectional');
    const sides = ['forward', 'backward'];
    const config: Config =
      v === 2
        ? {
            ...k2.baseConfig(name, batchInputShape),
            layer: nested2(spec.layer.kind, {
              ...k2.baseConfig(inner),
              ...k2.recurrentConfig(spec.layer),
            }),
            merge_mode: 'concat',
          }
        : {
            ...k3.baseConfig(name),
            merge_mode: 'concat',
            layer: k3.nestedLayer(
              spec.layer.kind,
              { ...k3.baseConfig(`forward_${inner}`), ...k3.recurrentConfig(spec.layer) },
              input,
            ),
            backward_layer: k3.nestedLayer(
              spec.layer.kind,
              { ...k3.baseConfig(`backward_${inner}`), ...k3.recurrentConfig(spec.layer, true) },
              input,
            ),
          };
    const weights = sides.flatMap((side) =>
      variables(spec.layer, input).map((w) => ({
        ...w,
        name: `${name}/${side}_${inner}/${w.path}`,
      })),
    );
    return {
      name,
      entry: { class_name: 'Bidirectional', config },
      shape: outputShape(spec, input),
      weights,
    };
  }
  const name = namer.name(spec.kind);
  const shape = spec.kind === 'Concatenate' ? concatenated(inputs) : outputShape(spec, input);
  const config: Config =
    v === 2
      ? { ...k2.baseConfig(name, batchInputShape), ...k2.layerConfig(spec, input.length) }
      : { ...k3.baseConfig(name), ...k3.layerConfig(spec) };
  const weights = variables(spec, input).map((w) => ({ ...w, name: `${name}/${w.path}` }));
  return { name, entry: { class_name: spec.kind, config }, shape, weights };
}

function buildTimeDistributed(
  namer: Namer,
  inner: LayerSpec | EncoderSpec,
  input: Shape,
  batchInputShape?: Shape,
): BuiltLayer {
  const v = namer.version;
  const child: Shape = [input[0]!, ...input.slice(2)];
  let nested: Config;
  let weights: WeightEntry[];
  let innerName: string;
  if (isEncoder(inner)) {
    const encoder = buildEncoder(namer, inner, child);
    nested = encoder.nested;
    weights = encoder.weights;
    innerName = '';
  } else {
    const layer = buildLayer(namer, inner, child);
    innerName = layer.name;
    const cls = layer.entry.class_name as string;
    nested =
      v === 2
        ? nested2(cls, layer.entry.config as Config)
        : k3.nestedLayer(cls, layer.entry.config as Config, child);
    weights = layer.weights;
  }
  const name = namer.name('TimeDistributed');
  const config: Config =
    v === 2
      ? { ...k2.baseConfig(name, batchInputShape), layer: nested }
      : { ...k3.baseConfig(name), layer: nested };
  // A wrapped single layer builds inside the wrapper's scope: Keras 2 names its variables
  // after the wrapper (time_distributed/kernel), Keras 3 after both (time_distributed/conv2d/kernel).
  const named =
    innerName === ''
      ? weights
      : weights.map((w) => ({ ...w, name: `${name}/${v === 3 ? `${innerName}/` : ''}${w.path}` }));
  return {
    name,
    entry: { class_name: 'TimeDistributed', config },
    shape: [input[0]!, input[1]!, ...innerOutputShape(inner, child).slice(1)],
    weights: kerasOrder(named) as WeightEntry[],
  };
}

/** A sub-model wrapped by TimeDistributed, built beforehand on its own input. */
function buildEncoder(
  namer: Namer,
  spec: EncoderSpec,
  input: Shape,
): { nested: Config; weights: WeightEntry[] } {
  if (spec.kind === 'Sequential') {
    if (namer.version !== 2)
      throw new Error('the fixtures nest Sequential encoders in Keras 2 models only');
    const model = buildSequential(namer, input, spec.layers);
    return {
      nested: { module: 'keras', ...model.modelConfig, registered_name: null },
      weights: model.layers.flatMap((l) => l.weights),
    };
  }
  const builder = new FunctionalBuilder(namer);
  let x = builder.input(input);
  for (const layer of spec.layers) x = builder.call(layer, [x]);
  const model = builder.build([x]);
  const module =
    namer.version === 2 ? 'keras.src.engine.functional' : 'keras.src.models.functional';
  return {
    nested: { module, ...model.modelConfig, registered_name: 'Functional' },
    weights: model.layers.flatMap((l) => l.weights),
  };
}

function nested2(className: string, config: Config): Config {
  return { module: 'keras.layers', class_name: className, config, registered_name: null };
}

function concatenated(inputs: readonly TensorRef[]): Shape {
  const last = inputs.reduce((sum, t) => sum + (t.shape[t.shape.length - 1] as number), 0);
  return [...inputs[0]!.shape.slice(0, -1), last];
}
