import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** The ONNX operator set the translation writes: ONNX Runtime 1.31 runs it on every provider. */
export const ONNX_OPSET = 17;
/** ONNX IR version of opset 17. */
const IR_VERSION = 8;

/** An attribute value of an ONNX node. */
export type AttributeValue = number | string | readonly number[];

/** Attributes whose integer values are floats in ONNX (`Clip`'s bounds are inputs, not these). */
const FLOAT_ATTRIBUTES = new Set(['alpha', 'beta', 'epsilon', 'gamma']);

/**
 * Writes one ONNX graph: float32 constants, nodes with fresh tensor names, one input and one
 * output, then the model's protobuf bytes (with `onnx-proto`'s generated encoder).
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
    const output = this.name(hint);
    this.nodes.push(
      onnx.NodeProto.create({
        opType: op,
        input: [...inputs],
        output: [output],
        name: output,
        attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
      }),
    );
    return output;
  }

  /**
   * The model: `input` of shape `[batch, ...inputShape]` and `output` of `[batch,
   * ...outputShape]`, both float32, the batch dimension free.
   */
  build(
    input: { readonly name: string; readonly shape: readonly number[] },
    output: { readonly name: string; readonly shape: readonly number[] },
  ): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'framewise',
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      graph: onnx.GraphProto.create({
        name: 'framewise_encoder',
        node: this.nodes,
        initializer: this.initializers,
        input: [valueInfo(input.name, input.shape)],
        output: [valueInfo(output.name, output.shape)],
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
  return { name, type: AttributeType.INTS, ints: [...value] };
}

function valueInfo(name: string, shape: readonly number[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'batch' }, ...shape.map((d) => ({ dimValue: d }))] },
      },
    },
  };
}
