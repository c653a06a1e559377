import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** The ONNX operator set the translation writes: ONNX Runtime 1.31 runs it on every provider. */
export const ONNX_OPSET = 17;
/** ONNX IR version of opset 17. */
const IR_VERSION = 8;

/** An attribute value of an ONNX node. */
export type AttributeValue = number | string | readonly number[] | readonly string[];

/**
 * A float32 graph input or output: its name and dimensions, a string naming a free one
 * (`batch`, `steps`).
 */
export interface TensorSpec {
  readonly name: string;
  readonly dims: readonly (number | string)[];
}

/** Attributes whose integer values are floats in ONNX (`Clip`'s bounds are inputs, not these). */
const FLOAT_ATTRIBUTES = new Set(['alpha', 'beta', 'epsilon', 'gamma']);

/**
 * Writes one ONNX graph: float32 constants, nodes with fresh tensor names, its float32 inputs
 * and outputs, then the model's protobuf bytes (with `onnx-proto`'s generated encoder).
 */
export class OnnxBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private count = 0;

  /** A fresh tensor name, from a hint (the layer's name). */
  name(hint: string): string {
    return `${hint.replace(/[^A-Za-z0-9_.]/g, '_')}_${this.count++}`;
  }

  /** A float32 constant of `shape`. */
  constant(
    hint: string,
    values: Float32Array | readonly number[],
    shape: readonly number[],
  ): string {
    const name = this.name(hint);
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims: [...shape],
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      }),
    );
    return name;
  }

  /** An int64 constant (shapes, axes, pads). */
  int64(hint: string, values: readonly number[]): string {
    const name = this.name(hint);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims: [values.length],
        dataType: onnx.TensorProto.DataType.INT64,
        int64Data: [...values],
      }),
    );
    return name;
  }

  /** Appends a node of `op` on `inputs`; resolves with its output's name. */
  node(
    op: string,
    inputs: readonly string[],
    hint: string,
    attributes: Readonly<Record<string, AttributeValue>> = {},
  ): string {
    return this.nodeOutputs(op, inputs, [hint], attributes)[0]!;
  }

  /**
   * Appends a node of `op` with one output per hint (an operator of several outputs, such as
   * `LSTM`); resolves with their names. An empty input name is an omitted optional input.
   */
  nodeOutputs(
    op: string,
    inputs: readonly string[],
    hints: readonly string[],
    attributes: Readonly<Record<string, AttributeValue>> = {},
  ): string[] {
    const outputs = hints.map((hint) => this.name(hint));
    this.nodes.push(
      onnx.NodeProto.create({
        opType: op,
        input: [...inputs],
        output: outputs,
        name: outputs[0]!,
        attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
      }),
    );
    return outputs;
  }

  /** Gives `x` the exact name `name`, for a graph output that must be found by name. */
  rename(x: string, name: string): string {
    this.nodes.push(
      onnx.NodeProto.create({ opType: 'Identity', input: [x], output: [name], name }),
    );
    return name;
  }

  /**
   * The model's protobuf bytes: a graph named `graph` that takes `inputs` and gives `outputs`,
   * all float32.
   */
  build(graph: string, inputs: readonly TensorSpec[], outputs: readonly TensorSpec[]): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'framewise',
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      graph: onnx.GraphProto.create({
        name: graph,
        node: this.nodes,
        initializer: this.initializers,
        input: inputs.map(valueInfo),
        output: outputs.map(valueInfo),
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') {
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  }
  if (typeof value === 'number') {
    return FLOAT_ATTRIBUTES.has(name)
      ? { name, type: AttributeType.FLOAT, f: value }
      : { name, type: AttributeType.INT, i: value };
  }
  if (value.every((v): v is string => typeof v === 'string')) {
    return {
      name,
      type: AttributeType.STRINGS,
      strings: value.map((v) => new TextEncoder().encode(v)),
    };
  }
  return { name, type: AttributeType.INTS, ints: [...(value as readonly number[])] };
}

function valueInfo({ name, dims }: TensorSpec): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })),
        },
      },
    },
  };
}
