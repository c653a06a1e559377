import { MIN_WATCHDOG_MS, parseLiveSettings, type LiveSettings } from '../options/live-settings.js';
import { UsageError } from '../errors.js';
import { LIVE_DEFAULTS } from '../decode/live-frame-source.js';
import { OVERLOAD_POLICIES } from '../decode/frame-source-options.js';
import type { OptionSpec } from './parse-command-line.js';

/** `--live` and how a live stream is kept going, shared by `label` and `enqueue`. */
export const LIVE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  live: {
    type: 'boolean',
    help: 'a live stream: read at its own pace, reconnect whenever it stops, run until stopped; outages become {"frame","t","gap"} entries',
  },
  watchdog: {
    type: 'string',
    valueName: '<ms>',
    help: `with --live: restart ffmpeg when no frame came for this long (>= ${MIN_WATCHDOG_MS}) [${LIVE_DEFAULTS.watchdogMs}]`,
  },
  'max-reconnects': {
    type: 'string',
    valueName: '<n>',
    help: 'with --live: fail after this many consecutive failed reconnects [unlimited]',
  },
  'max-lag': {
    type: 'string',
    valueName: '<ms>',
    help: `with --live and --overload drop: drop frames captured longer ago than this [${LIVE_DEFAULTS.maxLagMs}]`,
  },
  'keep-state': {
    type: 'boolean',
    help: 'with --live and --mode stateful: keep the recurrent state across an outage [start afresh]',
  },
  overload: {
    type: 'string',
    valueName: `<${OVERLOAD_POLICIES.join('|')}>`,
    help: 'when labeling falls behind: drop the oldest waiting frames (counted) or block decoding [drop with --live, else block]',
  },
};

/** Options that only mean something with `--live`. */
const LIVE_ONLY = ['watchdog', 'max-reconnects', 'max-lag', 'keep-state'] as const;

/**
 * The live settings from `--live`, `--watchdog`, `--max-reconnects` and `--max-lag`: undefined
 * without `--live`, where the others are refused rather than silently ignored.
 */
export function parseLiveOptions(
  values: Readonly<Record<string, string | boolean | undefined>>,
): LiveSettings | undefined {
  const settings = parseLiveSettings(values);
  if (values.live === true) return settings;
  if (LIVE_ONLY.some((name) => values[name] !== undefined)) {
    throw new UsageError(`--${LIVE_ONLY.join(', --')} apply to live streams: add --live`);
  }
  return undefined;
}
