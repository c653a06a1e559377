import { delimiter, resolve } from 'node:path';
import type { UrlPolicy } from '../policy/url-policy.js';
import type { OptionSpec } from './parse-command-line.js';

/** `--media-root` and `--allow-private`: the URL policy, shared by `enqueue` and `worker`. */
export const POLICY_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'media-root': {
    type: 'string',
    valueName: '<dir>',
    help: `local files are accepted only under this directory (several: separate with "${delimiter}") [none: files refused]`,
  },
  'allow-private': {
    type: 'boolean',
    help: 'accept loopback, private, link-local and cloud-metadata hosts [refused]',
  },
};

/** The URL policy from `--media-root` and `--allow-private` (or their variables). */
export function parsePolicy(
  values: Readonly<Record<string, string | boolean | undefined>>,
): UrlPolicy {
  const roots =
    typeof values['media-root'] === 'string' ? values['media-root'].split(delimiter) : [];
  return {
    mediaRoots: roots.filter((root) => root !== '').map((root) => resolve(root)),
    allowPrivate: values['allow-private'] === true,
  };
}
