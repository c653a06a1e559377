import { delimiter, resolve } from 'node:path';
import type { UrlPolicy } from '../policy/url-policy.js';
import { flag, list, text, type OptionValues } from './option.js';

/** Key prefix when neither `--prefix` nor `FRAMEWISE_PREFIX` sets one. */
export const DEFAULT_PREFIX = 'framewise';

/** `--prefix`, shared by every command that talks to Redis. */
export const PREFIX_OPTION = {
  prefix: text('prefix', {
    pattern: /^[\x21-\x7e]{1,100}$/,
    rule: '1 to 100 printable characters without spaces',
    default: DEFAULT_PREFIX,
    valueName: '<prefix>',
    help: 'key prefix of the queue and labels in Redis; {braces} make a Redis Cluster hash tag',
  }),
};

/** The URL policy, applied by `enqueue` before a job is added and by the worker before ffmpeg. */
export const POLICY_OPTIONS = {
  mediaRoots: list('media-root', {
    valueName: '<dir>',
    help: `local files are accepted only under this directory (several: separate with "${delimiter}")`,
    defaultText: 'none: files refused',
  }),
  allowPrivate: flag('allow-private', {
    help: 'accept loopback, private, link-local and cloud-metadata hosts',
    defaultText: 'refused',
  }),
};

/** The URL policy the options describe, with media roots made absolute. */
export function urlPolicy(values: OptionValues<typeof POLICY_OPTIONS>): UrlPolicy {
  return {
    mediaRoots: values.mediaRoots.map((root) => resolve(root)),
    allowPrivate: values.allowPrivate,
  };
}
