import type { Preprocessing } from './framewise-config.js';

/**
 * Writes frames' 8-bit pixels into `out` as the model's floats, `pixel × scale + offset`, frame
 * after frame. A plain indexed loop: per-element callbacks (`Float32Array.from(bytes, fn)`)
 * cost 20× here. Inference and training both go through it, so they cannot disagree.
 * @returns the part of `out` written.
 */
export function pixelsToFloats(
  frames: readonly Uint8Array[],
  frameLength: number,
  preprocessing: Preprocessing,
  out: Float32Array = new Float32Array(frames.length * frameLength),
): Float32Array {
  const length = frames.length * frameLength;
  const target = out.subarray(0, length);
  const { scale, offset } = preprocessing;
  let o = 0;
  for (const frame of frames) {
    if (frame.length !== frameLength) {
      throw new RangeError(`frame must have ${frameLength} bytes, got ${frame.length}`);
    }
    for (let i = 0; i < frame.length; i++) target[o++] = frame[i]! * scale + offset;
  }
  return target;
}
