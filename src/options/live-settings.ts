import { UsageError } from '../errors.js';
import { optionalInteger, type RawOptions } from './option-values.js';

/** How a live job copes with its stream stopping: what `--live` runs and jobs accept. */
export interface LiveSettings {
  /**
   * No frame for this long means the stream is stuck and ffmpeg is restarted, in milliseconds.
   * @defaultValue 10000
   */
  watchdogMs?: number;
  /**
   * Consecutive failed reconnects after which the job fails.
   * @defaultValue unlimited
   */
  maxReconnects?: number;
  /**
   * When labeling falls behind (overload policy `drop`), frames captured longer ago than this
   * are dropped, in milliseconds.
   * @defaultValue 500
   */
  maxLagMs?: number;
  /**
   * Stateful mode: keep the recurrent state across an outage instead of starting afresh.
   * @defaultValue false
   */
  keepStateOverGaps?: boolean;
}

/** Shortest watchdog interval accepted: below it a healthy stream's jitter would trip it. */
export const MIN_WATCHDOG_MS = 100;

/**
 * Parses `watchdog`, `max-reconnects`, `max-lag` and `keep-state` (`maxReconnects`, `maxLag`,
 * `keepState` in job payloads), each
 * checked with a message naming the field, the rule and the value.
 */
export function parseLiveSettings(raw: RawOptions): LiveSettings {
  const settings: LiveSettings = {};
  const watchdogMs = optionalInteger(raw, 'watchdog', MIN_WATCHDOG_MS);
  if (watchdogMs !== undefined) settings.watchdogMs = watchdogMs;
  const maxReconnects =
    optionalInteger(raw, 'max-reconnects', 0) ?? optionalInteger(raw, 'maxReconnects', 0);
  if (maxReconnects !== undefined) settings.maxReconnects = maxReconnects;
  const maxLagMs = optionalInteger(raw, 'max-lag', 0) ?? optionalInteger(raw, 'maxLag', 0);
  if (maxLagMs !== undefined) settings.maxLagMs = maxLagMs;
  const keep = raw['keep-state'] ?? raw.keepState;
  if (keep !== undefined && typeof keep !== 'boolean') {
    throw new UsageError(`keepState must be a boolean, got ${JSON.stringify(keep)}`);
  }
  if (keep === true) settings.keepStateOverGaps = true;
  return settings;
}
