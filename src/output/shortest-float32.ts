/** Significant decimal digits that always round-trip a float32 (FLT_DECIMAL_DIG). */
const FLOAT32_DECIMAL_DIGITS = 9;

/**
 * The number with the fewest significant digits that rounds to the same float32 as `value`:
 * `0.9300000071525574` (0.93 read back from a Float32Array) becomes `0.93`.
 *
 * Model outputs are float32, so this loses nothing they hold; for any value the result is
 * within float32 precision (relative error below 6e-8). Non-finite values are returned as is.
 *
 * @param value - A number, typically read from a `Float32Array`.
 */
export function shortestFloat32(value: number): number {
  if (!Number.isFinite(value)) return value;
  const target = Math.fround(value);
  for (let digits = 1; digits < FLOAT32_DECIMAL_DIGITS; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  return Number(value.toPrecision(FLOAT32_DECIMAL_DIGITS));
}
