import { UsageError } from '../errors.js';
import { DEFAULT_PREFIX } from '../queue/queue-keys.js';
import type { OptionSpec } from './parse-command-line.js';

/** `--prefix`, shared by every queue command. */
export const PREFIX_OPTION: Readonly<Record<string, OptionSpec>> = {
  prefix: {
    type: 'string',
    valueName: '<prefix>',
    help: `key prefix of the queue and labels in Redis; {braces} make a Redis Cluster hash tag [${DEFAULT_PREFIX}]`,
  },
};

/** Checks `--prefix`: printable, no spaces, at most 100 characters. */
export function parsePrefix(value: string | boolean | undefined): string {
  if (value === undefined) return DEFAULT_PREFIX;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(value)) {
    throw new UsageError(
      `prefix must be 1 to 100 printable characters without spaces, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
