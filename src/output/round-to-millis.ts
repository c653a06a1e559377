/**
 * Rounds a time to whole milliseconds, the precision framewise prints times with: video
 * timestamps are no finer than that, and it hides float noise such as `3.2000000000000006`.
 *
 * @param seconds - A time in seconds.
 * @returns The time in seconds, rounded to 3 decimals.
 */
export function roundToMillis(seconds: number): number {
  // Adding 0 turns -0 (from rounding a tiny negative) into 0.
  return Math.round(seconds * 1000) / 1000 + 0;
}
