/**
 * How visible are hard cuts to the seed encoder's features, pooled over the whole frame or over
 * a grid, before any head is trained? `npm run build:tools &&
 * node dist/lab/demo-model/cut-separability.js <dataset dir>` (a set made by `makeCutDataset`,
 * e.g. `.cache/cut-data/validation`).
 *
 * The encoder is the seed's with the designed histogram weights (`setHistogramEncoder`), its
 * BatchNorm statistics measured on every 7th frame of the set's first 10 videos. For each pair of
 * consecutive frames it takes the change of the pooled features, each feature scaled by the 90th
 * percentile of its own change within shots, and prints, per pooling grid, the share of cuts
 * whose change exceeds all but 1 in 1,000 (and 1 in 10,000) of the within-shot changes.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/model/run/backend.js';
import { setHistogramEncoder } from './histogram-encoder.js';
import { buildSeedModel } from '../../src/train/seed-model.js';
import { findFfmpeg } from '../../src/decode/find-ffmpeg.js';
import { SHOTS_CSV } from './cut-dataset.js';

const GRIDS = [1, 2, 3, 4, 7];
const SIDE = 99;
const FRAME_BYTES = SIDE * SIDE * 3;
const BATCH = 32;
/** Squared scaled changes are capped per feature, so that one feature cannot decide alone. */
const CAP = 100;

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: cut-separability <dataset dir>');
await useBackend('wasm');
const ffmpeg = await findFfmpeg();

function decode(video: string): Uint8Array[] {
  const args = ['-v', 'error', '-i', video, '-vf', `scale=${SIDE}:${SIDE}`, '-pix_fmt', 'rgb24'];
  const out = spawnSync(ffmpeg.path, [...args, '-f', 'rawvideo', '-'], {
    maxBuffer: 1 << 30,
  }).stdout;
  return Array.from({ length: out.length / FRAME_BYTES }, (_, i) =>
    out.subarray(i * FRAME_BYTES, (i + 1) * FRAME_BYTES),
  );
}

function pixels(frames: readonly Uint8Array[]): tf.Tensor4D {
  const floats = new Float32Array(frames.length * FRAME_BYTES);
  frames.forEach((f, i) => floats.set(f, i * FRAME_BYTES));
  return tf.tensor4d(floats, [frames.length, SIDE, SIDE, 3]).div(255);
}

// The encoder's layers up to its last BatchNorm: the feature map before pooling.
const model = buildSeedModel({ seed: 1 });
setHistogramEncoder(model);
const encoder = (model.layers[0] as unknown as { layer: tf.LayersModel }).layer;
const layers = encoder.layers.slice(0, -1);
const videos = readdirSync(dir)
  .filter((f) => f.endsWith('.mp4'))
  .sort();
const sample = videos
  .slice(0, 10)
  .flatMap((v) => decode(join(dir, v)).filter((_, i) => i % 7 === 0));
layers.forEach((layer, index) => {
  if (layer.getClassName() !== 'BatchNormalization') return;
  const { mean, variance } = tf.tidy(() => {
    let x: tf.Tensor = pixels(sample);
    for (const before of layers.slice(0, index)) x = before.apply(x) as tf.Tensor;
    return tf.moments(x, [0, 1, 2]);
  });
  layer.setWeights([...layer.getWeights().slice(0, -2), mean, variance]);
  tf.dispose([mean, variance]);
});

/** Per grid, per frame: the pooled features. */
function features(frames: readonly Uint8Array[]): Map<number, Float32Array[]> {
  const byGrid = new Map<number, Float32Array[]>(GRIDS.map((g) => [g, []]));
  for (let i = 0; i < frames.length; i += BATCH) {
    const batch = frames.slice(i, i + BATCH);
    const pooled = tf.tidy(() => {
      let x = pixels(batch) as tf.Tensor4D;
      for (const layer of layers) x = layer.apply(x) as tf.Tensor4D;
      const side = x.shape[1];
      return GRIDS.map((g) => {
        const cell = Math.floor(side / g);
        return tf.avgPool(x, cell, cell, 'valid').reshape([batch.length, -1]);
      });
    });
    GRIDS.forEach((g, k) => {
      const rows = pooled[k]!.dataSync() as Float32Array;
      const width = rows.length / batch.length;
      for (let r = 0; r < batch.length; r++)
        byGrid.get(g)!.push(rows.slice(r * width, (r + 1) * width));
    });
    tf.dispose(pooled);
  }
  return byGrid;
}

// The frames that start a new shot (not the first shot), per video.
const cutFrames = new Set(
  readFileSync(join(dir, SHOTS_CSV), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((row) => row.split(','))
    .filter(([, start]) => Number(start) > 0)
    .map(([video, start]) => `${video}:${Math.round(Number(start) * 25)}`),
);
const perVideo = videos.map((video) => ({ video, byGrid: features(decode(join(dir, video))) }));

for (const grid of GRIDS) {
  const width = perVideo[0]!.byGrid.get(grid)![0]!.length;
  const withinShot: number[][] = Array.from({ length: width }, () => []);
  for (const { video, byGrid } of perVideo) {
    const rows = byGrid.get(grid)!;
    for (let t = 1; t < rows.length; t++) {
      if (cutFrames.has(`${video}:${t}`)) continue;
      for (let d = 0; d < width; d++)
        withinShot[d]!.push(Math.abs(rows[t]![d]! - rows[t - 1]![d]!));
    }
  }
  const scale = withinShot.map((changes) => {
    changes.sort((a, b) => a - b);
    return Math.max(changes[Math.floor(changes.length * 0.9)]!, 1e-4);
  });
  const change = (a: Float32Array, b: Float32Array) => {
    let sum = 0;
    for (let d = 0; d < width; d++) sum += Math.min(((a[d]! - b[d]!) / scale[d]!) ** 2, CAP);
    return sum / width;
  };
  const cuts: number[] = [];
  const others: number[] = [];
  for (const { video, byGrid } of perVideo) {
    const rows = byGrid.get(grid)!;
    for (let t = 1; t < rows.length; t++)
      (cutFrames.has(`${video}:${t}`) ? cuts : others).push(change(rows[t]!, rows[t - 1]!));
  }
  others.sort((a, b) => a - b);
  const above = (quantile: number) => {
    const limit = others[Math.floor(others.length * quantile)]!;
    return (cuts.filter((c) => c > limit).length / cuts.length).toFixed(3);
  };
  process.stdout.write(
    `grid ${grid}×${grid} (${width} features): ${cuts.length} cuts; share above the within-shot ` +
      `change's 99.9th percentile ${above(0.999)}, 99.99th ${above(0.9999)}\n`,
  );
}
model.dispose();
