import type { Writable } from 'node:stream';

/**
 * Whether to colour output written to `stream`: only on a terminal, and never when the
 * `NO_COLOR` environment variable is set to a non-empty value (https://no-color.org).
 *
 * @param stream - The output, e.g. `process.stdout`.
 * @param env - The environment to read `NO_COLOR` from. @defaultValue `process.env`
 */
export function shouldColor(stream: Writable, env: NodeJS.ProcessEnv = process.env): boolean {
  const isTerminal = 'isTTY' in stream && stream.isTTY === true;
  return isTerminal && (env['NO_COLOR'] ?? '') === '';
}
