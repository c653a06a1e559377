import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Manifest {
  weightsManifest: {
    paths: string[];
    weights: { name: string; shape: number[]; dtype: string }[];
  }[];
}

/** A weight read straight from a model directory's files. */
export interface FixtureWeight {
  readonly shape: number[];
  readonly values: Float32Array | Int32Array;
}

/**
 * Reads every weight of a model directory by the name its manifest gives it, from the shard
 * files directly (concatenated in manifest order), without TensorFlow.js or framewise: the
 * values a test compares the loaded model against.
 */
export function readFixtureWeights(dir: string): Map<string, FixtureWeight> {
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Manifest;
  const weights = new Map<string, FixtureWeight>();
  for (const group of manifest.weightsManifest) {
    const bytes = Buffer.concat(group.paths.map((path) => readFileSync(join(dir, path))));
    let offset = 0;
    for (const spec of group.weights) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const data = new Uint8Array(bytes.subarray(offset, offset + size * 4));
      const values =
        spec.dtype === 'int32' ? new Int32Array(data.buffer) : new Float32Array(data.buffer);
      weights.set(spec.name, { shape: spec.shape, values });
      offset += size * 4;
    }
  }
  return weights;
}
