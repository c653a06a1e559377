import type { WeightEntry } from './model-builder.js';

/** A deterministic generator of uniform numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Draws a weight's values from `random`, in ranges that keep activations alive and the
 * predictions far from uniform: Glorot-uniform kernels (per channel for depthwise ones), small
 * biases, BatchNorm statistics near their identity values, and pixel-scale statistics for
 * Normalization layers that read raw 0-255 pixels. Values the weight's layer gives are taken
 * as they are, and draw nothing.
 */
export function weightValues(weight: WeightEntry, random: () => number): Float32Array | Int32Array {
  const size = weight.shape.reduce((a, b) => a * b, 1);
  if (weight.values !== undefined) return Float32Array.from(weight.values);
  if (weight.init === 'count') return Int32Array.from({ length: size }, () => 4096);
  const [low, high] = range(weight);
  return Float32Array.from({ length: size }, () => low + (high - low) * random());
}

function range(weight: WeightEntry): [number, number] {
  switch (weight.init) {
    case 'glorot': {
      const fanOut = weight.shape[weight.shape.length - 1]!;
      const fanIn = weight.shape.slice(0, -1).reduce((a, b) => a * b, 1);
      // Twice Glorot's limit: scores that move clearly from window to window.
      const limit = 2 * Math.sqrt(6 / (fanIn + fanOut));
      return [-limit, limit];
    }
    case 'depthwise': {
      // Each output channel sees one input channel: its fans are the kernel's area, not
      // area × channels, else every depthwise layer would shrink activations several-fold.
      const area = weight.shape[0]! * weight.shape[1]!;
      const limit = 2 * Math.sqrt(6 / (area + area));
      return [-limit, limit];
    }
    case 'bias':
    case 'beta':
      return [-0.3, 0.3];
    case 'gamma':
      return [0.6, 1.4];
    case 'mean':
      return [0, 0.3];
    case 'variance':
      return [0.5, 1.2];
    case 'pixelMean':
      return [100, 140];
    case 'pixelVariance':
      return [2500, 5000];
    case 'count':
      return [0, 0];
  }
}
