import { z } from 'zod';
import { UsageError } from '../errors.js';
import {
  DEFAULT_LABEL_OPTIONS,
  JOB_LABEL_OPTIONS,
  type LabelOptions,
} from '../options/label-options.js';
import { LIVE_OPTION, LIVE_SETTINGS, type LiveSettings } from '../options/live-options.js';
import { SPLIT_OPTION } from '../options/split-options.js';
import { shown, valuesOf, type OptionValues, type PayloadOf } from '../options/option.js';
import { MAX_INPUT_LENGTH } from '../policy/url-policy.js';
import { parsePayload, payloadJsonSchema, payloadOf, type JsonSchema } from '../options/payload.js';

/**
 * The options a job carries, each under its payload field; a job runs with the defaults of the
 * other {@link LABEL_OPTIONS} (the worker sets `batch`).
 */
export const VIDEO_JOB_OPTIONS = {
  ...JOB_LABEL_OPTIONS,
  ...LIVE_OPTION,
  ...LIVE_SETTINGS,
  ...SPLIT_OPTION,
};

/** The payload's own field beside the options: the input, checked by the URL policy. */
const URL_FIELD = {
  url: z.string().min(1).max(MAX_INPUT_LENGTH).meta({
    description:
      'the input: an absolute file path (under a worker media root) or an http, https, rtsp, rtsps or rtmp URL',
  }),
};

/** Largest payload a worker takes, as JSON: a job's fields are a URL and a few numbers. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/** The `$id` of the payload's JSON Schema, published as the package's `schema/video-job.schema.json`. */
export const VIDEO_JOB_SCHEMA_ID = 'urn:framewise:video-job';

/**
 * A job's payload in the `videos` queue, as any producer writes it: the input and the label
 * options of the contract, each field optional but `url`. Any client may add jobs, so the
 * worker checks the payload again before running it.
 */
export type VideoJobData = { readonly url: string } & PayloadOf<typeof VIDEO_JOB_OPTIONS>;

/** A payload after checking: what the worker runs. */
export interface VideoJob {
  readonly url: string;
  readonly options: LabelOptions;
  /** The live stream's settings; undefined for a file (or any input read once to its end). */
  readonly live?: LiveSettings;
  /** Seconds per part when the file is to be split (`split`). */
  readonly splitSec?: number;
}

/**
 * Checks a payload as it came out of Redis (any client could have written it).
 * @throws {@link UsageError} naming the field, the rule and the value.
 */
export function parseVideoJob(data: unknown): VideoJob {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UsageError(`job data must be an object with a url, got ${shown(data)}`);
  }
  const size = Buffer.byteLength(JSON.stringify(data));
  if (size > MAX_PAYLOAD_BYTES) {
    throw new UsageError(
      `job data is ${size} bytes of JSON; a job takes at most ${MAX_PAYLOAD_BYTES} (a url and label options)`,
    );
  }
  const record = data as Record<string, unknown>;
  const values = parsePayload(VIDEO_JOB_OPTIONS, record, { name: 'job data', fixed: ['url'] });
  const url = URL_FIELD.url.safeParse(record.url);
  if (!url.success) {
    throw new UsageError(
      `job data url must be a non-empty string of at most ${MAX_INPUT_LENGTH} characters, got ${shown(record.url)}`,
    );
  }
  const options = { ...DEFAULT_LABEL_OPTIONS, ...valuesOf(values, JOB_LABEL_OPTIONS) };
  const { splitSec } = values;
  if (splitSec !== undefined) checkSplittable(options, values.live);
  if (!values.live) {
    return { url: url.data, options, ...(splitSec === undefined ? {} : { splitSec }) };
  }
  return { url: url.data, options, live: valuesOf(values, LIVE_SETTINGS) };
}

/**
 * Refuses what cannot be split exactly: stateful mode (the recurrent state flows through the
 * whole video, so a part cannot start without every frame before it), a live stream (it has
 * no end to split) and a part of a file (`start`, `duration`).
 * @throws {@link UsageError} saying why and what to do.
 */
export function checkSplittable(options: LabelOptions, live: boolean): void {
  const why =
    options.mode === 'stateful'
      ? 'stateful mode carries the recurrent state through the whole video, so a part cannot start without every frame before it'
      : live
        ? 'a live stream has no end to split'
        : options.startSec !== undefined || options.durationSec !== undefined
          ? 'split takes whole files; --start and --duration are not split'
          : undefined;
  if (why !== undefined) {
    throw new UsageError(`cannot split this job: ${why}; enqueue it without --split`);
  }
}

/** The payload for a checked input and the options a job carries. */
export function videoJobData(
  url: string,
  values: Readonly<OptionValues<typeof VIDEO_JOB_OPTIONS>>,
): VideoJobData {
  return { url, ...payloadOf(VIDEO_JOB_OPTIONS, values) };
}

/**
 * The JSON Schema (draft 2020-12) of {@link VideoJobData}, for producers in other languages to
 * check what they enqueue; published as `schema/video-job.schema.json`.
 */
export function videoJobJsonSchema(): JsonSchema {
  return payloadJsonSchema(VIDEO_JOB_OPTIONS, URL_FIELD, {
    $id: VIDEO_JOB_SCHEMA_ID,
    title: 'framewise video job',
    description:
      'The payload of a job in the BullMQ queue "videos": what to label and how. Fields that are absent take their defaults; watchdog, maxReconnects, maxLag and keepState only with "live": true.',
  });
}
