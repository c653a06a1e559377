import type { Preprocessing } from '../load/framewise-config.js';

/**
 * Writes frames' 8-bit pixels into `out` as the model's floats, `(pixel × scale + offset −
 * mean[c]) / std[c]`, frame after frame. Inference and training both go through it, so they
 * cannot disagree.
 *
 * The bytes are converted by `Float32Array.prototype.set`, natively, which is far cheaper than
 * an indexed loop and much more so than per-element callbacks (`Float32Array.from(bytes, fn)`;
 * docs/performance.md has the figures). A scale or offset other than 1 and 0 (most models
 * have theirs folded into the first convolution) is then applied in place.
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
    target.set(frame, o);
    o += frameLength;
  }
  const { mean, std } = preprocessing;
  if (mean !== undefined || std !== undefined) {
    // One multiply-add per value, with each channel's own factors; a single value is every
    // channel's.
    const channels = Math.max(mean?.length ?? 1, std?.length ?? 1);
    const at = (values: readonly number[] | undefined, c: number, fallback: number) =>
      values?.[values.length === 1 ? 0 : c] ?? fallback;
    const a = Array.from({ length: channels }, (_, c) => scale / at(std, c, 1));
    const b = Array.from({ length: channels }, (_, c) => (offset - at(mean, c, 0)) / at(std, c, 1));
    for (let i = 0; i < length; i += channels) {
      for (let c = 0; c < channels; c++) target[i + c] = target[i + c]! * a[c]! + b[c]!;
    }
  } else if (scale !== 1 || offset !== 0) {
    for (let i = 0; i < length; i++) target[i] = target[i]! * scale + offset;
  }
  return target;
}
