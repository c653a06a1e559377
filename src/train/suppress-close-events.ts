import type { DetectedEvent } from './match-events.js';

/**
 * Non-maximum suppression of events in time: of events closer than `minGapSec`, only the one
 * with the highest score stays (the earlier one on a tie). Shot boundary detectors impose such
 * a minimum shot length (PySceneDetect's `min_scene_len`, 0.6 s on its command line): one cut
 * can make a classifier's score cross its threshold several times, as can fast motion right
 * after a cut, and two cuts a few frames apart are rarer than either.
 * @param minGapSec - shortest time between two kept events, in seconds; 0 keeps every event.
 * @returns the kept events, in time order.
 */
export function suppressCloseEvents(
  events: readonly DetectedEvent[],
  minGapSec: number,
): DetectedEvent[] {
  if (minGapSec <= 0) return [...events];
  const strongestFirst = [...events].sort((a, b) => b.score - a.score || a.t - b.t);
  const kept: DetectedEvent[] = [];
  for (const event of strongestFirst) {
    if (kept.every((other) => Math.abs(other.t - event.t) >= minGapSec)) kept.push(event);
  }
  return kept.sort((a, b) => a.t - b.t);
}
