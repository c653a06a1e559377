import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { confinedFile } from './confined-file.js';
import onnxProto from 'onnx-proto';
import { ModelError } from '../../errors.js';
import {
  FRAMEWISE_JSON,
  invalid,
  parseFramewiseConfig,
  type FramewiseConfig,
} from './framewise-config.js';

const { onnx } = onnxProto;

/** A tensor an ONNX model takes or gives: its name and dimensions (a string is a free one). */
export interface OnnxTensorInfo {
  readonly name: string;
  readonly dims: readonly (number | string)[];
  /** ONNX's element type: 1 is float32. */
  readonly elemType: number;
}

/** ONNX's TensorProto.DataType of float32. */
const FLOAT = 1;

/** One ONNX model file: where it is, its bytes, inputs and outputs. */
export interface OnnxModelFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly inputs: readonly OnnxTensorInfo[];
  readonly outputs: readonly OnnxTensorInfo[];
}

/** What an ONNX model directory holds, checked against the layout the contract gives. */
export interface OnnxModelFiles {
  readonly config: FramewiseConfig;
  /** The encoder's input layout: `nchw` (PyTorch's) or `nhwc`. */
  readonly layout: 'nchw' | 'nhwc';
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  /** Frames to embeddings: one input `[n, …frame]`, one output `[n, embeddingSize]`. */
  readonly encoder: OnnxModelFile;
  /** Embeddings `[b, T, embeddingSize]` (and states) to probabilities `[b, classes]` (and states). */
  readonly head: OnnxModelFile;
  readonly embeddingSize: number;
  readonly classes: number;
  /** The head's state inputs `state_in_i`, in order, each with its output `state_out_i`. */
  readonly states: readonly OnnxTensorInfo[];
}

/** Whether a parsed framewise.json declares an ONNX model directory. */
export function isOnnxConfig(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && (raw as { format?: unknown }).format === 'onnx';
}

/**
 * Reads an ONNX model directory: `framewise.json` (`"format": "onnx"`, the encoder's and the
 * head's file names, the encoder's input), `encoder.onnx` and `head.onnx`; checks that their
 * inputs and outputs fit each other and framewise.json.
 * @throws {@link ModelError} naming the file and what does not fit.
 */
export async function readOnnxModelFiles(dir: string, raw: unknown): Promise<OnnxModelFiles> {
  const where = join(dir, FRAMEWISE_JSON);
  const config = parseFramewiseConfig(raw, where);
  const json = raw as Record<string, unknown>;
  const input = (typeof json.input === 'object' && json.input !== null ? json.input : {}) as Record<
    string,
    unknown
  >;
  const layout = input.layout ?? 'nchw';
  if (layout !== 'nchw' && layout !== 'nhwc') {
    throw invalid(where, `input.layout must be "nchw" or "nhwc", got ${JSON.stringify(layout)}`);
  }
  const side = (name: 'height' | 'width') => {
    const value = input[name];
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw invalid(
        where,
        `input.${name} must be an integer >= 1 for an ONNX model, got ${JSON.stringify(value)}`,
      );
    }
    return value as number;
  };
  const channels = input.channels ?? 3;
  if (channels !== 1 && channels !== 3) {
    throw invalid(where, `input.channels must be 1 or 3, got ${JSON.stringify(channels)}`);
  }
  const [height, width] = [side('height'), side('width')];
  const encoder = await readOnnxFile(dir, json.encoder, 'encoder', where);
  const head = await readOnnxFile(dir, json.head, 'head', where);
  const frame = layout === 'nchw' ? [channels, height, width] : [height, width, channels];
  expectShape(encoder, 'input', encoder.inputs[0], ['*', ...frame]);
  expectShape(encoder, 'output', encoder.outputs[0], ['*', 'F']);
  const embeddingSize = encoder.outputs[0]!.dims[1] as number;
  expectShape(head, 'input', head.inputs[0], ['*', '*', embeddingSize]);
  expectShape(head, 'output', head.outputs[0], ['*', 'C']);
  const classes = head.outputs[0]!.dims[1] as number;
  if (config.classNames !== undefined && config.classNames.length !== classes) {
    throw invalid(
      where,
      `classNames names ${config.classNames.length} classes but head.onnx gives ${classes}`,
    );
  }
  const states = stateInputs(head);
  expectOnly(encoder, 'inputs', encoder.inputs, [encoder.inputs[0]!.name]);
  const feeds = [head.inputs[0]!.name, ...states.map((s) => s.name)];
  expectOnly(head, 'inputs', head.inputs, feeds);
  return {
    config,
    layout,
    height,
    width,
    channels,
    encoder,
    head,
    embeddingSize,
    classes,
    states,
  };
}

/** An ONNX file of the directory, named by framewise.json: a plain file name, nothing outside. */
async function readOnnxFile(
  dir: string,
  name: unknown,
  part: string,
  where: string,
): Promise<OnnxModelFile> {
  const file = name ?? `${part}.onnx`;
  if (
    typeof file !== 'string' ||
    file === '' ||
    basename(file) !== file ||
    file === '..' ||
    file === '.'
  ) {
    throw invalid(
      where,
      `${part} must be the name of a file beside framewise.json, got ${JSON.stringify(name)}`,
    );
  }
  const path = join(dir, file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(await confinedFile(dir, file, `${part} ${path}`)));
  } catch (error) {
    if (error instanceof ModelError) throw error;
    throw new ModelError(
      'FW_ERR_MODEL_NOT_FOUND',
      `cannot read ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let graph: onnxProto.onnx.IGraphProto | null | undefined;
  try {
    graph = onnx.ModelProto.decode(bytes).graph;
  } catch (error) {
    throw new ModelError(
      'FW_ERR_MODEL_INVALID',
      `${path} is not an ONNX model: ${(error as Error).message}`,
      { cause: error },
    );
  }
  // Initializers may be listed among the inputs (older exporters): they are not fed.
  const constants = new Set((graph?.initializer ?? []).map((t) => t.name));
  const info = (values: onnxProto.onnx.IValueInfoProto[] | null | undefined) =>
    (values ?? []).filter((v) => !constants.has(v.name ?? '')).map(tensorInfo);
  return { path, bytes, inputs: info(graph?.input), outputs: info(graph?.output) };
}

function tensorInfo(value: onnxProto.onnx.IValueInfoProto): OnnxTensorInfo {
  const dims = value.type?.tensorType?.shape?.dim ?? [];
  return {
    name: value.name ?? '',
    dims: dims.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0))),
    elemType: value.type?.tensorType?.elemType ?? 0,
  };
}

/** Checks that a model takes nothing but `names`, all float32. */
function expectOnly(
  file: OnnxModelFile,
  what: 'inputs',
  tensors: readonly OnnxTensorInfo[],
  names: readonly string[],
): void {
  const extra = tensors.filter((t) => !names.includes(t.name)).map((t) => t.name);
  if (extra.length > 0) {
    throw new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      `${file.path} has ${what} framewise cannot feed: ${extra.join(', ')}; it feeds ${names.join(', ')} ` +
        '(see "ONNX model directories" in docs/models.md)',
    );
  }
  const other = tensors.find((t) => t.elemType !== FLOAT);
  if (other !== undefined) {
    throw new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      `${file.path}: ${other.name} is not float32 (ONNX element type ${other.elemType}); ` +
        'export the model in float32',
    );
  }
}

/**
 * Checks a tensor's shape: `*` any dimension, a letter a fixed one of any size, a number that
 * size.
 */
function expectShape(
  file: OnnxModelFile,
  what: 'input' | 'output',
  tensor: OnnxTensorInfo | undefined,
  shape: readonly (number | string)[],
): void {
  const fits =
    tensor !== undefined &&
    tensor.elemType === FLOAT &&
    tensor.dims.length === shape.length &&
    shape.every((want, i) => {
      const got = tensor.dims[i]!;
      if (want === '*') return true;
      if (typeof want === 'number') return got === want;
      return typeof got === 'number' && got > 0;
    });
  if (!fits) {
    throw new ModelError(
      'FW_ERR_UNSUPPORTED_MODEL',
      `the first ${what} of ${file.path} has shape ${JSON.stringify(tensor?.dims ?? null)}` +
        `${tensor !== undefined && tensor.elemType !== FLOAT ? ` and element type ${tensor.elemType}` : ''}; ` +
        `framewise expects float32 ${JSON.stringify(shape)} (see "ONNX model directories" in docs/models.md)`,
    );
  }
}

/** The head's `state_in_i` inputs, each matched by a `state_out_i` output of the same shape. */
function stateInputs(head: OnnxModelFile): OnnxTensorInfo[] {
  const states: OnnxTensorInfo[] = [];
  for (let i = 0; ; i++) {
    const input = head.inputs.find((t) => t.name === `state_in_${i}`);
    if (input === undefined) break;
    const output = head.outputs.find((t) => t.name === `state_out_${i}`);
    const fixed = input.dims.slice(1);
    if (
      output === undefined ||
      JSON.stringify(output.dims.slice(1)) !== JSON.stringify(fixed) ||
      fixed.some((d) => typeof d !== 'number')
    ) {
      throw new ModelError(
        'FW_ERR_UNSUPPORTED_MODEL',
        `${head.path}: state_in_${i} ${JSON.stringify(input.dims)} needs an output state_out_${i} of the same shape, fixed but for the batch`,
      );
    }
    states.push(input);
  }
  return states;
}
