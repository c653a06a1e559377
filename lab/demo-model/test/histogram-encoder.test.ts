import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../../src/errors.js';
import { useBackend } from '../../../src/model/run/backend.js';
import { HISTOGRAM_BINS, HISTOGRAM_THRESHOLDS, setHistogramEncoder } from '../histogram-encoder.js';
import { prepareModel } from '../../../src/model/load-model.js';
import { buildSeedModel } from '../../../src/train/seed-model.js';

const SIZE = 9;
const [LUMA_BINS, BLUE_BINS, RED_BINS] = HISTOGRAM_THRESHOLDS.map((t) => t.length) as [
  number,
  number,
  number,
];

/** A frame of one colour. */
function uniform(r: number, g: number, b: number): Uint8Array {
  return Uint8Array.from({ length: SIZE * SIZE * 3 }, (_, i) => [r, g, b][i % 3]!);
}

/** The designed encoder's embeddings (BatchNorms at their initial identity statistics). */
function embed(frames: readonly Uint8Array[]): Float32Array[] {
  const model = buildSeedModel({ height: SIZE, width: SIZE });
  setHistogramEncoder(model);
  const loaded = prepareModel(model, {}, 'memory', { fold: false });
  const out = loaded.encoder.encode(frames);
  loaded.dispose();
  return frames.map((_, i) => out.slice(i * HISTOGRAM_BINS, (i + 1) * HISTOGRAM_BINS));
}

describe('setHistogramEncoder', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('makes luma bins grow with the grey level and leaves colour and texture bins alone', () => {
    const levels = [0, 40, 90, 128, 200, 255];
    const embeddings = embed(levels.map((v) => uniform(v, v, v)));
    for (let i = 1; i < embeddings.length; i++) {
      const [before, after] = [embeddings[i - 1]!, embeddings[i]!];
      for (let k = 0; k < LUMA_BINS; k++) expect(after[k]).toBeGreaterThanOrEqual(before[k]!);
      // Grey has no chroma, a flat frame no gradient: those bins do not move.
      for (let k = LUMA_BINS; k < HISTOGRAM_BINS; k++) expect(after[k]).toBeCloseTo(before[k]!, 5);
    }
    expect(embeddings[5]![0]! - embeddings[0]![0]!).toBeCloseTo(1, 2);
  });

  it('tells colours of equal luma apart by their chroma bins', () => {
    const [blueish, reddish] = embed([uniform(60, 100, 220), uniform(200, 80, 59)]);
    const chroma = (e: Float32Array) => [
      ...e.subarray(LUMA_BINS, LUMA_BINS + BLUE_BINS + RED_BINS),
    ];
    expect(blueish![0]).toBeCloseTo(reddish![0]!, 1);
    expect(chroma(blueish!)).not.toEqual(chroma(reddish!));
    // Blue chroma of the blueish frame is higher: its cumulative bins are too.
    expect(blueish![LUMA_BINS]).toBeGreaterThan(reddish![LUMA_BINS]!);
  });

  it('fails with a model error on an encoder of another shape, and leaks no tensors', () => {
    const grey = buildSeedModel({ height: SIZE, width: SIZE, channels: 1 });
    const before = tf.memory().numTensors;
    expect(() => setHistogramEncoder(grey)).toThrow(ModelError);
    expect(tf.memory().numTensors).toBe(before);
    const model = buildSeedModel({ height: SIZE, width: SIZE });
    const count = tf.memory().numTensors;
    setHistogramEncoder(model);
    expect(tf.memory().numTensors).toBe(count);
    grey.dispose();
    model.dispose();
  });
});
