import {
  HEAD_MODES,
  parseLabelOptions,
  type HeadMode,
  type LabelOptions,
} from '../options/label-options.js';
import { parseLiveSettings, type LiveSettings } from '../options/live-settings.js';
import { UsageError } from '../errors.js';
import { OVERLOAD_POLICIES, type OverloadPolicy } from '../decode/frame-source-options.js';

/**
 * A job's payload in the `videos` queue: the input and the label options of the contract. Any
 * client may add jobs, so the worker checks the payload again before running it.
 */
export interface VideoJobData {
  /** A file path (absolute) or a stream URL. */
  readonly url: string;
  /** Frames per window; the model's own when absent. */
  readonly window?: number;
  /** Frames from one window's end to the next. */
  readonly stride?: number;
  /** Frames per second to sample at; the video's own rate when absent. */
  readonly fps?: number;
  /** `window` or `stateful`. */
  readonly mode?: HeadMode;
  /** Seconds from the start of the input to begin at. */
  readonly start?: number;
  /** Seconds to label. */
  readonly duration?: number;
  /** A live source that runs until cancelled. */
  readonly live?: boolean;
  /** Live: restart ffmpeg after this many milliseconds without a frame (default 10000). */
  readonly watchdog?: number;
  /** Live: consecutive failed reconnects before the job fails (default unlimited). */
  readonly maxReconnects?: number;
  /** Live, overload `drop`: drop frames captured longer ago than this, in ms (default 500). */
  readonly maxLag?: number;
  /** Live, stateful: keep the recurrent state across an outage (default false). */
  readonly keepState?: boolean;
  /** `drop` or `block` frames when labeling falls behind (default drop live, block files). */
  readonly overload?: OverloadPolicy;
}

/** A payload after checking: what the worker runs. */
export interface VideoJob {
  readonly url: string;
  readonly options: LabelOptions;
  /** The live stream's settings; undefined for a file (or any input read once to its end). */
  readonly live?: LiveSettings;
}

const FIELDS = new Set([
  'url',
  'window',
  'stride',
  'fps',
  'mode',
  'start',
  'duration',
  'live',
  'watchdog',
  'maxReconnects',
  'maxLag',
  'keepState',
  'overload',
]);

/** Payload fields that only mean something for a live job. */
const LIVE_ONLY = ['watchdog', 'maxReconnects', 'maxLag', 'keepState'] as const;

/**
 * Checks a payload as it came out of Redis (any client could have written it).
 * @throws {@link UsageError} naming the field, the rule and the value.
 */
export function parseVideoJob(data: unknown): VideoJob {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UsageError(`job data must be an object with a url, got ${JSON.stringify(data)}`);
  }
  const record = data as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) {
    throw new UsageError(
      `job data has unknown fields ${unknown.join(', ')}; allowed: ${[...FIELDS].join(', ')}`,
    );
  }
  if (typeof record.url !== 'string' || record.url === '') {
    throw new UsageError(
      `job data url must be a non-empty string, got ${JSON.stringify(record.url)}`,
    );
  }
  for (const field of [
    'window',
    'stride',
    'fps',
    'start',
    'duration',
    'watchdog',
    'maxReconnects',
    'maxLag',
  ] as const) {
    if (record[field] !== undefined && typeof record[field] !== 'number') {
      throw new UsageError(
        `job data ${field} must be a number, got ${JSON.stringify(record[field])}`,
      );
    }
  }
  if (record.mode !== undefined && !(HEAD_MODES as readonly unknown[]).includes(record.mode)) {
    throw new UsageError(
      `job data mode must be one of ${HEAD_MODES.join(', ')}, got ${JSON.stringify(record.mode)}`,
    );
  }
  if (record.live !== undefined && typeof record.live !== 'boolean') {
    throw new UsageError(`job data live must be a boolean, got ${JSON.stringify(record.live)}`);
  }
  if (record.live !== true && LIVE_ONLY.some((field) => record[field] !== undefined)) {
    throw new UsageError(`job data ${LIVE_ONLY.join(', ')} apply to live jobs only: set live`);
  }
  if (
    record.overload !== undefined &&
    !(OVERLOAD_POLICIES as readonly unknown[]).includes(record.overload)
  ) {
    throw new UsageError(
      `job data overload must be one of ${OVERLOAD_POLICIES.join(', ')}, got ${JSON.stringify(record.overload)}`,
    );
  }
  const options = parseLabelOptions({
    window: record.window as number | undefined,
    stride: record.stride as number | undefined,
    fps: record.fps as number | undefined,
    mode: record.mode as string | undefined,
    start: record.start as number | undefined,
    duration: record.duration as number | undefined,
    overload: record.overload as string | undefined,
  });
  if (record.live !== true) return { url: record.url, options };
  const live = parseLiveSettings({
    watchdog: record.watchdog as number | undefined,
    maxReconnects: record.maxReconnects as number | undefined,
    maxLag: record.maxLag as number | undefined,
    keepState: record.keepState as boolean | undefined,
  });
  return { url: record.url, options, live };
}

/** The payload for a checked input and options: only the fields that differ from defaults. */
export function videoJobData(
  url: string,
  options: LabelOptions,
  live: LiveSettings | undefined,
): VideoJobData {
  return {
    url,
    ...(options.window === undefined ? {} : { window: options.window }),
    stride: options.stride,
    ...(options.fps === undefined ? {} : { fps: options.fps }),
    mode: options.mode,
    ...(options.startSec === undefined ? {} : { start: options.startSec }),
    ...(options.durationSec === undefined ? {} : { duration: options.durationSec }),
    ...(options.overload === undefined ? {} : { overload: options.overload }),
    ...(live === undefined ? {} : { live: true }),
    ...(live?.watchdogMs === undefined ? {} : { watchdog: live.watchdogMs }),
    ...(live?.maxReconnects === undefined ? {} : { maxReconnects: live.maxReconnects }),
    ...(live?.maxLagMs === undefined ? {} : { maxLag: live.maxLagMs }),
    ...(live?.keepStateOverGaps === true ? { keepState: true } : {}),
  };
}
