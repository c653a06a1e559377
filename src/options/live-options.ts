import { LIVE_DEFAULTS } from '../decode/live-frame-source.js';
import { flag, integer, optionalFlag, type OptionValues } from './option.js';

/** Shortest watchdog interval accepted: below it a healthy stream's jitter would trip it. */
export const MIN_WATCHDOG_MS = 100;

/** `--live`: the input is a camera stream that runs until stopped. A job payload field. */
export const LIVE_OPTION = {
  live: flag('live', {
    help: 'a live stream: read at its own pace, reconnect whenever it stops, run until stopped; outages become {"frame","t","gap"} entries',
    field: 'live',
  }),
};

/** How a live stream is kept going: only with `--live`. The fields of {@link LiveSettings}. */
export const LIVE_SETTINGS = {
  watchdogMs: integer('watchdog', {
    min: MIN_WATCHDOG_MS,
    max: 3_600_000,
    valueName: '<ms>',
    help: 'restart ffmpeg when no frame came for this long, in milliseconds',
    defaultText: String(LIVE_DEFAULTS.watchdogMs),
    field: 'watchdog',
    requires: 'live',
  }),
  maxReconnects: integer('max-reconnects', {
    min: 0,
    max: 1_000_000,
    valueName: '<n>',
    help: 'fail after this many consecutive failed reconnects',
    defaultText: 'unlimited',
    field: 'maxReconnects',
    requires: 'live',
  }),
  maxLagMs: integer('max-lag', {
    min: 0,
    max: 3_600_000,
    valueName: '<ms>',
    help: 'while labeling falls behind (--overload drop), drop frames captured longer ago than this, in milliseconds',
    defaultText: String(LIVE_DEFAULTS.maxLagMs),
    field: 'maxLag',
    requires: 'live',
  }),
  keepStateOverGaps: optionalFlag('keep-state', {
    help: 'in stateful mode, keep the recurrent state across an outage',
    defaultText: 'start afresh',
    field: 'keepState',
    requires: 'live',
  }),
};

/** How a live job copes with its stream stopping (see {@link LIVE_SETTINGS}). */
export type LiveSettings = OptionValues<typeof LIVE_SETTINGS>;
