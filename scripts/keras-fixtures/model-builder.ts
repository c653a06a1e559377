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

/** A Functional model built beforehand, to be wrapped whole by a TimeDistributed layer. */
export interface SubModel {
  /** Its config as a wrapper nests it (`serialize_keras_object`'s form). */
  readonly nested: Config;
  /** Its variables, layer by layer. */
  readonly weights: WeightEntry[];
  /** The shape of its output. */
  readonly output: Shape;
}

/** How a Functional model's call nodes are written. */
export interface CallOptions {
  /**
   * Keras 3: write the `training` and `mask` arguments Keras 3.4 records in each call node
   * ({@link k3.callKwargs}). The fixtures written before these were known write `{}`, and keep
   * doing so so that their bytes stay as they are.
   * @defaultValue false
   */
  readonly callKwargs?: boolean;
}

/** How {@link buildLayer} names and wires the layer it builds. */
interface LayerOptions extends CallOptions {
  /** Keras 2 writes the first layer's input shape into its config. */
  readonly batchInputShape?: Shape;
  /** The tensors a Functional call takes (a Concatenate's output shape depends on them). */
  readonly inputs?: readonly TensorRef[];
  /** The name the layer is given, instead of Keras' default one. */
  readonly name?: string;
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
    const first = v === 2 && i === 0 ? { batchInputShape: inputShape } : {};
    const layer = buildLayer(namer, spec, shape, first);
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

  constructor(
    private readonly namer: Namer,
    private readonly options: CallOptions = {},
  ) {}

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

  /**
   * Calls a new layer on `inputs` (a list argument when several).
   * @param name - The layer's name; Keras' default name when left out.
   */
  call(spec: LayerSpec, inputs: readonly TensorRef[], name?: string): TensorRef {
    const options = { ...this.options, inputs, ...(name === undefined ? {} : { name }) };
    return this.record(buildLayer(this.namer, spec, inputs[0]!.shape, options), spec.kind, inputs);
  }

  /** Calls a new TimeDistributed layer wrapping `model`, built beforehand, on `input`. */
  timeDistributed(model: SubModel, input: TensorRef): TensorRef {
    const layer = wrapTimeDistributed(this.namer, model, input.shape);
    return this.record(layer, 'TimeDistributed', [input]);
  }

  private record(
    layer: BuiltLayer,
    kind: LayerSpec['kind'],
    inputs: readonly TensorRef[],
  ): TensorRef {
    const node =
      this.namer.version === 2
        ? [inputs.map((t) => [t.layer, 0, 0, {}])]
        : [
            {
              args: inputs.length === 1 ? [kerasTensor(inputs[0]!)] : [inputs.map(kerasTensor)],
              kwargs: this.options.callKwargs === true ? k3.callKwargs(kind, inputs.length) : {},
            },
          ];
    this.entries.push({ ...layer.entry, name: layer.name, inbound_nodes: node });
    this.weights.push({ layer: layer.name, weights: layer.weights });
    return { layer: layer.name, shape: layer.shape };
  }

  /**
   * The model's config.
   * @param name - The model's name; by default Keras' (Keras 2 names a Model `model`, Keras 3
   * `functional`).
   */
  build(outputs: readonly TensorRef[], name?: string): BuiltModel {
    const modelName = name ?? this.namer.name(this.namer.version === 2 ? 'Model' : 'Functional');
    return {
      modelConfig: {
        class_name: 'Functional',
        config: {
          name: modelName,
          trainable: true,
          layers: this.entries,
          input_layers: this.inputs.map((t) => [t.layer, 0, 0]),
          output_layers: outputs.map((t) => [t.layer, 0, 0]),
        },
      },
      layers: this.weights,
    };
  }

  /** The model, as another model's TimeDistributed layer wraps it. */
  subModel(output: TensorRef, name?: string): SubModel {
    const model = this.build([output], name);
    const module =
      this.namer.version === 2 ? 'keras.src.engine.functional' : 'keras.src.models.functional';
    return {
      nested: { module, ...model.modelConfig, registered_name: 'Functional' },
      weights: model.layers.flatMap((l) => l.weights),
      output: output.shape,
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
  options: LayerOptions = {},
): BuiltLayer {
  const v = namer.version;
  const { batchInputShape, inputs = [] } = options;
  if (spec.kind === 'TimeDistributed')
    return buildTimeDistributed(namer, spec.layer, input, options);
  if (spec.kind === 'Bidirectional') {
    const inner = namer.name(spec.layer.kind);
    const name = options.name ?? namer.name('Bidirectional');
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
  const name = options.name ?? namer.name(spec.kind);
  const shape = spec.kind === 'Concatenate' ? concatenated(inputs) : outputShape(spec, input);
  const config: Config =
    v === 2
      ? { ...k2.baseConfig(name, batchInputShape), ...k2.layerConfig(spec, input.length) }
      : { ...k3.baseConfig(name), ...k3.layerConfig(spec) };
  const weights = variables(spec, input).map((w) => ({ ...w, name: `${name}/${w.path}` }));
  return { name, entry: { class_name: spec.kind, config }, shape, weights };
}

/** A TimeDistributed layer, built with what it wraps: a single layer or a sub-model. */
function buildTimeDistributed(
  namer: Namer,
  inner: LayerSpec | EncoderSpec,
  input: Shape,
  options: LayerOptions,
): BuiltLayer {
  const v = namer.version;
  const child: Shape = [input[0]!, ...input.slice(2)];
  if (isEncoder(inner)) {
    return wrapTimeDistributed(namer, buildEncoder(namer, inner, child, options), input, options);
  }
  const layer = buildLayer(namer, inner, child, { callKwargs: options.callKwargs });
  const cls = layer.entry.class_name as string;
  const nested =
    v === 2
      ? nested2(cls, layer.entry.config as Config)
      : k3.nestedLayer(cls, layer.entry.config as Config, child);
  const name = options.name ?? namer.name('TimeDistributed');
  // A wrapped single layer builds inside the wrapper's scope: Keras 2 names its variables
  // after the wrapper (time_distributed/kernel), Keras 3 after both (time_distributed/conv2d/kernel).
  const weights = layer.weights.map((w) => ({
    ...w,
    name: `${name}/${v === 3 ? `${layer.name}/` : ''}${w.path}`,
  }));
  const wrapped: SubModel = { nested, weights, output: layer.shape };
  return wrapTimeDistributed(namer, wrapped, input, { ...options, name });
}

/**
 * A TimeDistributed layer around a sub-model built beforehand, whose variables keep their
 * names: a model's layers build when they are first called, before anything wraps the model.
 */
function wrapTimeDistributed(
  namer: Namer,
  model: SubModel,
  input: Shape,
  options: LayerOptions = {},
): BuiltLayer {
  const name = options.name ?? namer.name('TimeDistributed');
  const config: Config =
    namer.version === 2
      ? { ...k2.baseConfig(name, options.batchInputShape), layer: model.nested }
      : { ...k3.baseConfig(name), layer: model.nested };
  return {
    name,
    entry: { class_name: 'TimeDistributed', config },
    shape: [input[0]!, input[1]!, ...model.output.slice(1)],
    weights: kerasOrder(model.weights) as WeightEntry[],
  };
}

/** A sub-model wrapped by TimeDistributed, built beforehand on its own input. */
function buildEncoder(
  namer: Namer,
  spec: EncoderSpec,
  input: Shape,
  options: CallOptions,
): SubModel {
  if (spec.kind === 'Sequential') {
    if (namer.version !== 2)
      throw new Error('the fixtures nest Sequential encoders in Keras 2 models only');
    const model = buildSequential(namer, input, spec.layers);
    return {
      nested: { module: 'keras', ...model.modelConfig, registered_name: null },
      weights: model.layers.flatMap((l) => l.weights),
      output: innerOutputShape(spec, input),
    };
  }
  const builder = new FunctionalBuilder(namer, { callKwargs: options.callKwargs });
  let x = builder.input(input);
  for (const layer of spec.layers) x = builder.call(layer, [x]);
  return builder.subModel(x);
}

function nested2(className: string, config: Config): Config {
  return { module: 'keras.layers', class_name: className, config, registered_name: null };
}

function concatenated(inputs: readonly TensorRef[]): Shape {
  const last = inputs.reduce((sum, t) => sum + (t.shape[t.shape.length - 1] as number), 0);
  return [...inputs[0]!.shape.slice(0, -1), last];
}
