/**
 * Writes the Keras model files of `test/fixtures/keras-files/`: for each converted fixture of
 * `test/fixtures/keras/` named below, the same model (its Keras config and weights) as Keras
 * saves it: `<name>.h5` (Keras' legacy HDF5 format, what `model.save("m.h5")` writes in Keras 2
 * and 3) and, for the Keras 3 fixtures, `<name>.keras` (the Keras 3 archive). The files are
 * written by `scripts/keras-files/write_keras_files.py` with Debian's python3-h5py and Python's
 * zipfile, following Keras' saving code (cited there); this script gives it the model's
 * config, each weight's Keras name and values, and each layer's group in the archive.
 *
 * Run: `npm run build:tools && node dist/scripts/make-keras-files.js` (needs /usr/bin/python3
 * with h5py and numpy: apt-get install python3-h5py).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { archiveGroups } from '../src/model/load/keras-file.js';
import { matchWeightNames } from '../src/model/load/match-weight-names.js';
import { modelFromArtifacts } from '../src/model/load/model-from-artifacts.js';
import { directoryLoader } from '../src/model/load/model-files.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SOURCES = join(root, 'test', 'fixtures', 'keras');
const OUT = join(root, 'test', 'fixtures', 'keras-files');
const WRITER = join(root, 'scripts', 'keras-files', 'write_keras_files.py');

/** The converted fixtures written again as Keras files. */
const FIXTURES = [
  'seed-lstm-keras2',
  'functional-gru-keras2',
  'stacked-lstm-keras3',
  'functional-gru-reset-after-keras3',
  'bidirectional-lstm-keras3',
  'mobilenetv2-keras3',
  'efficientnetb0-keras3',
];

interface WeightSpec {
  name: string;
  shape: number[];
  /** The dtype Keras saves it as. */
  dtype: 'float32' | 'int64';
  offset: number;
}

await mkdir(OUT, { recursive: true });
const work = await mkdtemp(join(tmpdir(), 'framewise-keras-files-'));
try {
  for (const name of FIXTURES) {
    const dir = join(SOURCES, name);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
      modelTopology: { keras_version: string; model_config: unknown };
      weightsManifest: { weights: { name: string }[] }[];
    };
    const model = await modelFromArtifacts(await directoryLoader(dir).load!(), dir);
    const kerasVersion = json.modelTopology.keras_version;
    const keras2 = kerasVersion.startsWith('2.');
    // The Keras name of each model weight: the converter kept Keras' names in the manifest.
    const manifest = json.weightsManifest.flatMap((group) => group.weights.map((w) => w.name));
    const kerasName = new Map<string, string>();
    for (const [manifestName, modelName] of matchWeightNames(
      manifest,
      model.weights.map((w) => w.originalName),
    )) {
      kerasName.set(modelName, manifestName);
    }
    const values: Float32Array[] = [];
    let offset = 0;
    const spec = (weight: tf.LayerVariable, keras: string): WeightSpec => {
      const data = weight.read().dataSync() as Float32Array;
      values.push(data);
      // Keras keeps integer variables (a Normalization's count) as int64, the TensorFlow
      // backend's "int"; the converter wrote them as int32, the blob carries them as float32.
      const dtype = weight.dtype === 'int32' ? 'int64' : 'float32';
      const entry = { name: keras, shape: weight.shape as number[], dtype, offset } as const;
      offset += data.length;
      return entry;
    };
    const legacy = model.layers
      .filter((layer) => layer.weights.length > 0)
      .map((layer) => ({
        layer: layer.name,
        // tf.keras (Keras 2) names variables with the TensorFlow output index.
        weights: layer.weights.map((w) =>
          spec(w, `${kerasName.get(w.originalName)!}${keras2 ? ':0' : ''}`),
        ),
      }));
    const archive = keras2
      ? []
      : archiveGroups(model).map(({ path, name, weights }) => ({
          path,
          name,
          vars: weights.map((w) => spec(w, w.originalName)),
        }));
    const blob = new Float32Array(offset);
    let at = 0;
    for (const data of values) {
      blob.set(data, at);
      at += data.length;
    }
    const specPath = join(work, `${name}.json`);
    const blobPath = join(work, `${name}.bin`);
    await writeFile(
      specPath,
      JSON.stringify({
        kerasVersion,
        config: json.modelTopology.model_config,
        legacyConfig: json.modelTopology.model_config,
        layerNames: model.layers.map((layer) => layer.name),
        legacy,
        archive,
      }),
    );
    await writeFile(blobPath, Buffer.from(blob.buffer));
    execFileSync('/usr/bin/python3', [
      WRITER,
      specPath,
      blobPath,
      keras2 ? '-' : join(OUT, `${name}.keras`),
      join(OUT, `${name}.h5`),
      // One weights-only file (model.save_weights), which framewise refuses.
      ...(name === 'seed-lstm-keras2' ? [join(OUT, 'refused-weights-only.h5')] : []),
    ]);
    model.dispose();
    process.stderr.write(`wrote ${name}${keras2 ? '.h5' : '.keras and .h5'}\n`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
