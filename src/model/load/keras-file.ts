import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { Dataset, File as H5File, Group } from 'jsfive';
import { ModelError } from '../../errors.js';
import { checkLayerClasses } from './check-layer-classes.js';
import './global-pooling-keepdims.js';
import './keras-normalization.js';
import { normalizeKerasTopology } from './normalize-keras-topology.js';
import './reset-after-gru.js';
import { skipInitializers } from './skip-initializers.js';

/** A model file Keras writes: a Keras 3 archive, or a Keras 2 / tf.keras HDF5 file. */
export const KERAS_FILE = /\.(keras|h5|hdf5)$/i;

/** Largest archive member framewise unpacks, in bytes (as model files). */
const MAX_MEMBER_BYTES = 2 ** 31;

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when `location` (a path or URL) names a Keras model file by its extension. */
export function isKerasFile(location: string): boolean {
  const path = /^https?:\/\//i.test(location) ? new URL(location).pathname : location;
  return KERAS_FILE.test(path);
}

/**
 * Builds a runnable Layers model from a Keras file's bytes, without Python:
 * - a Keras 3 `.keras` archive (a zip of `config.json`, `metadata.json`, `model.weights.h5`),
 *   its weights found where Keras' `saving_lib` puts them (see {@link archiveWeightPaths});
 * - a Keras 2, tf.keras or Keras 3 `.h5` file (`model_config` attribute, `model_weights`
 *   groups), its weights per layer by the `weight_names` Keras' legacy `h5_format` writes.
 *
 * The topology goes through the same repairs and checks as a converted model.json; a layer
 * framewise cannot run, a Lambda or custom layer, a file that is not a model or a Keras
 * version other than 2 or 3 is refused with `FW_ERR_UNSUPPORTED_MODEL`, naming it.
 * @param where - The file's location, for messages.
 */
export async function modelFromKerasFile(
  bytes: Uint8Array,
  where: string,
): Promise<tf.LayersModel> {
  if (startsWith(bytes, ZIP_MAGIC)) return fromArchive(bytes, where);
  if (startsWith(bytes, HDF5_MAGIC)) return fromLegacyH5(bytes, where);
  throw invalid(where, 'is neither a .keras archive (zip) nor an HDF5 file');
}

async function fromArchive(bytes: Uint8Array, where: string): Promise<tf.LayersModel> {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      filter: (file) =>
        ['config.json', 'metadata.json', 'model.weights.h5', 'model.weights.npz'].includes(
          file.name,
        ) && file.originalSize <= MAX_MEMBER_BYTES,
    });
  } catch (error) {
    throw invalid(where, `is not a readable zip archive (${(error as Error).message})`);
  }
  const config = members['config.json'];
  if (config === undefined)
    throw invalid(where, 'has no config.json: it is not a Keras 3 model archive');
  const metadata = parseJson(members['metadata.json'], where, 'metadata.json') as
    { keras_version?: unknown } | undefined;
  checkKerasVersion(metadata?.keras_version, where, ['3']);
  const weights = members['model.weights.h5'];
  if (weights === undefined) {
    throw unsupported(
      where,
      members['model.weights.npz'] !== undefined
        ? 'keeps its weights in model.weights.npz; framewise reads model.weights.h5, which model.save() writes by default'
        : 'has no model.weights.h5',
    );
  }
  const model = await buildModel(parseJson(config, where, 'config.json'), where);
  try {
    setArchiveWeights(model, openH5(weights, where), where);
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

async function fromLegacyH5(bytes: Uint8Array, where: string): Promise<tf.LayersModel> {
  const file = openH5(bytes, where);
  const config = file.attrs.model_config;
  if (config === undefined) {
    throw unsupported(
      where,
      'holds no model_config: it has weights only (model.save_weights); save the whole model with model.save("model.h5") or model.save("model.keras")',
    );
  }
  const weights = member(file, 'model_weights');
  const version =
    file.attrs.keras_version ??
    (weights instanceof Group ? weights.attrs.keras_version : undefined);
  checkKerasVersion(version, where, ['2', '3']);
  if (!(weights instanceof Group)) throw invalid(where, 'has no model_weights group');
  const model = await buildModel(JSON.parse(text(config)) as unknown, where);
  try {
    setLegacyWeights(model, weights, where);
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

async function buildModel(config: unknown, where: string): Promise<tf.LayersModel> {
  const raw = config as Record<string, unknown>;
  const className = raw?.class_name;
  if (className !== 'Sequential' && className !== 'Functional' && className !== 'Model') {
    throw unsupported(
      where,
      `holds a ${typeof className === 'string' ? className : 'object'} where a Sequential or Functional model should be (a compiled-only object or a subclassed model cannot be rebuilt without its Python code)`,
    );
  }
  refuseCode(raw, where);
  const topology = normalizeKerasTopology(raw);
  checkLayerClasses(topology);
  return tf.models.modelFromJSON({
    modelTopology: skipInitializers(topology),
  } as Parameters<typeof tf.models.modelFromJSON>[0]);
}

/** Lambda and custom layers carry Python code the file does not hold. */
function refuseCode(value: unknown, where: string): void {
  if (Array.isArray(value)) {
    for (const item of value) refuseCode(item, where);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Record<string, unknown>;
  const config = object.config as Record<string, unknown> | undefined;
  const name = typeof config?.name === 'string' ? config.name : '?';
  if (object.class_name === 'Lambda') {
    throw unsupported(
      where,
      `has a Lambda layer, ${name}, whose Python code the file does not hold; replace it with built-in layers`,
    );
  }
  const registered = object.registered_name;
  const module = object.module;
  if (
    typeof object.class_name === 'string' &&
    ((typeof registered === 'string' && registered.includes('>')) ||
      (typeof module === 'string' && !module.startsWith('keras')))
  ) {
    throw unsupported(
      where,
      `has a custom layer, ${name} (${typeof registered === 'string' ? registered : object.class_name}), whose code the file does not hold; framewise runs built-in Keras layers`,
    );
  }
  for (const child of Object.values(object)) refuseCode(child, where);
}

/** One object Keras saves state for: its variables are the datasets `<path>/vars/<i>`. */
export interface ArchiveGroup {
  /** The layer or model; for an RNN's cell, the RNN. */
  readonly layer: tf.layers.Layer;
  /** The group, `''` for the model itself. */
  readonly path: string;
  /** The name Keras records on the `vars` group. */
  readonly name: string;
  /** The variables stored in this group, in order (an RNN's are its cell's). */
  readonly weights: readonly tf.LayerVariable[];
}

/**
 * Every group Keras 3's `saving_lib` (keras/src/saving/saving_lib.py, `_save_state`) writes to
 * `model.weights.h5`, in its order: the model's own (`vars` at the root), then its layers under
 * `layers/<name>`, `<name>` being the layer class in snake case, made unique within the model by
 * `_1`, `_2`, … in layer order (`_save_container_state`, not the layer's own name); then each
 * object's attributes in name order: a TimeDistributed's `layer`, an RNN's `cell`, a
 * Bidirectional's `backward_layer` and `forward_layer`. Each object gets a `vars` group, empty
 * when it has no variables of its own; a layer's variables, trainable then non-trainable (the
 * order TensorFlow.js keeps too), are its datasets `0`, `1`, ….
 */
export function archiveGroups(model: tf.LayersModel): ArchiveGroup[] {
  const groups: ArchiveGroup[] = [];
  const visit = (layer: tf.layers.Layer, path: string) => {
    const className = layer.getClassName();
    const inner = layer as unknown as {
      layer?: tf.layers.Layer;
      forwardLayer?: tf.layers.Layer;
      backwardLayer?: tf.layers.Layer;
      cell?: object;
    };
    if (layer instanceof tf.LayersModel) {
      groups.push({ layer, path, name: layer.name, weights: [] });
      const used = new Map<string, number>();
      for (const child of layer.layers) {
        const base = snakeCase(child.getClassName());
        const count = used.get(base) ?? 0;
        used.set(base, count + 1);
        visit(child, join(path, 'layers', count === 0 ? base : `${base}_${count}`));
      }
      return;
    }
    if (className === 'TimeDistributed' && inner.layer !== undefined) {
      groups.push({ layer, path, name: layer.name, weights: [] });
      visit(inner.layer, join(path, 'layer'));
      return;
    }
    if (className === 'Bidirectional' && inner.forwardLayer !== undefined) {
      groups.push({ layer, path, name: layer.name, weights: [] });
      visit(inner.backwardLayer!, join(path, 'backward_layer'));
      visit(inner.forwardLayer, join(path, 'forward_layer'));
      return;
    }
    if (inner.cell !== undefined) {
      groups.push({ layer, path, name: layer.name, weights: [] });
      groups.push({
        layer,
        path: join(path, 'cell'),
        // Keras names an RNN's cell after its class: `lstm_cell`, `gru_cell`.
        name: snakeCase((inner.cell as { getClassName?: () => string }).getClassName?.() ?? 'cell'),
        weights: layer.weights,
      });
      return;
    }
    groups.push({ layer, path, name: layer.name, weights: layer.weights });
  };
  visit(model, '');
  return groups;
}

/** The groups of {@link archiveGroups} that hold variables. */
export function archiveWeightPaths(model: tf.LayersModel): ArchiveGroup[] {
  return archiveGroups(model).filter((group) => group.weights.length > 0);
}

/**
 * Sets a model's weights from a `.keras` archive's `model.weights.h5` (its bytes), found by
 * {@link archiveWeightPaths}.
 */
export function loadArchiveWeights(
  model: tf.LayersModel,
  weights: Uint8Array,
  where: string,
): void {
  setArchiveWeights(model, openH5(weights, where), where);
}

function setArchiveWeights(model: tf.LayersModel, file: H5File, where: string): void {
  const assignments: [tf.layers.Layer, tf.Tensor[]][] = [];
  try {
    for (const { layer, path } of archiveWeightPaths(model)) {
      const vars = member(file, `${path}/vars`);
      if (!(vars instanceof Group)) {
        throw invalid(
          where,
          `has no weights for layer ${layer.name} (expected ${path}/vars in model.weights.h5)`,
        );
      }
      if (vars.keys.length !== layer.weights.length) {
        throw invalid(
          where,
          `has ${vars.keys.length} weights for layer ${layer.name} at ${path}/vars, which takes ${layer.weights.length}`,
        );
      }
      assignments.push([
        layer,
        layer.weights.map((weight, i) =>
          tensorOf(vars.get(String(i)), weight, `${path}/vars/${i}`, where),
        ),
      ]);
    }
    for (const [layer, values] of assignments) layer.setWeights(values);
  } finally {
    for (const [, values] of assignments) tf.dispose(values);
  }
}

function setLegacyWeights(model: tf.LayersModel, weights: Group, where: string): void {
  const assignments: [tf.layers.Layer, tf.Tensor[]][] = [];
  try {
    for (const layer of model.layers) {
      if (layer.weights.length === 0) continue;
      const group = member(weights, layer.name);
      if (!(group instanceof Group)) {
        throw invalid(
          where,
          `has no weights for layer ${layer.name} (model_weights/${layer.name})`,
        );
      }
      const names = strings(group.attrs.weight_names);
      if (names.length !== layer.weights.length) {
        throw invalid(
          where,
          `lists ${names.length} weights for layer ${layer.name}, which takes ${layer.weights.length}`,
        );
      }
      assignments.push([
        layer,
        layer.weights.map((weight, i) =>
          tensorOf(group.get(names[i]!), weight, `model_weights/${layer.name}/${names[i]}`, where),
        ),
      ]);
    }
    for (const [layer, values] of assignments) layer.setWeights(values);
  } finally {
    for (const [, values] of assignments) tf.dispose(values);
  }
}

/** numpy's dtype strings of float datasets, either byte order. */
const FLOAT_DTYPES = new Set(['<f4', '<f8', '>f4', '>f8']);
/** numpy's dtype strings of integer datasets (a Normalization layer's `count` is int64). */
const INTEGER_DTYPE = /^[<>|]?[iu][1248]$/;

/**
 * A dataset as the value of `weight`: float datasets for float variables, integer (or float)
 * datasets for integer ones, in the variable's dtype.
 */
function tensorOf(node: unknown, weight: tf.LayerVariable, path: string, where: string): tf.Tensor {
  if (!(node instanceof Dataset)) throw invalid(where, `has no dataset ${path}`);
  const dtype = typeof node.dtype === 'string' ? node.dtype : JSON.stringify(node.dtype);
  const integer = weight.dtype === 'int32';
  if (!FLOAT_DTYPES.has(dtype) && !(integer && INTEGER_DTYPE.test(dtype))) {
    throw unsupported(
      where,
      `stores ${path} as ${dtype}; framewise reads float32 and float64 weights, and integer ` +
        'ones for integer variables',
    );
  }
  const shape = weight.shape as number[];
  const same = node.shape.length === shape.length && node.shape.every((n, i) => n === shape[i]);
  if (!same) {
    throw invalid(
      where,
      `has ${path} of shape [${node.shape.join(', ')}] for ${weight.originalName}, which is [${shape.join(', ')}]`,
    );
  }
  return integer
    ? tf.tensor(Int32Array.from(node.value, Number), shape, 'int32')
    : tf.tensor(Float32Array.from(node.value), shape, 'float32');
}

function openH5(bytes: Uint8Array, where: string): H5File {
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    return new H5File(buffer as ArrayBuffer, where);
  } catch (error) {
    throw invalid(where, `holds an HDF5 file framewise cannot read (${(error as Error).message})`);
  }
}

/** A member of an HDF5 group, or undefined (jsfive throws for a missing path). */
function member(group: Group, path: string): Group | Dataset | undefined {
  try {
    return group.get(path);
  } catch {
    return undefined;
  }
}

function checkKerasVersion(version: unknown, where: string, majors: readonly string[]): void {
  if (version === undefined) return;
  const text = typeof version === 'string' ? version.replace(/\0+$/, '') : String(version);
  const major = /^(\d+)\./.exec(text)?.[1];
  if (major === undefined || !majors.includes(major)) {
    throw unsupported(
      where,
      `was written by Keras ${text}; framewise reads files of Keras ${majors.join(' and ')}`,
    );
  }
}

function parseJson(bytes: Uint8Array | undefined, where: string, name: string): unknown {
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(strFromU8(bytes)) as unknown;
  } catch (error) {
    throw invalid(where, `has a ${name} that is not JSON (${(error as Error).message})`);
  }
}

/** An HDF5 string attribute: h5py pads fixed-length strings with NULs. */
function text(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\0+$/, '');
  if (value instanceof Uint8Array) return strFromU8(value).replace(/\0+$/, '');
  return String(value);
}

function strings(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(text);
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((byte, i) => bytes[i] === byte);
}

function join(...parts: string[]): string {
  return parts.filter((part) => part !== '').join('/');
}

/** Keras' `naming.to_snake_case`: `DepthwiseConv2D` → `depthwise_conv2d`, `ReLU` → `re_lu`. */
export function snakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function invalid(where: string, what: string): ModelError {
  return new ModelError('FW_ERR_MODEL_INVALID', `${where} ${what}`);
}

function unsupported(where: string, what: string): ModelError {
  return new ModelError('FW_ERR_UNSUPPORTED_MODEL', `${where} ${what}`);
}
