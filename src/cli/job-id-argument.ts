import { UsageError } from '../errors.js';

/** The one `<jobId>` argument of `watch`, `status` and `cancel`. */
export function jobIdArgument(command: string, positionals: readonly string[]): string {
  if (positionals.length !== 1 || positionals[0] === '') {
    throw new UsageError(`${command} takes exactly one job id: framewise ${command} <jobId>`);
  }
  return positionals[0]!;
}
