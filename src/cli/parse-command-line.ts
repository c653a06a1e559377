import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

/** One command-line option: `--name <value>` or a `--flag`. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** One line for `--help`. */
  readonly help: string;
  /** Shown after the option in `--help`, e.g. `<N>`. */
  readonly valueName?: string;
}

/** A parsed command line: option values (flags win over variables) and positionals. */
export interface CommandLine {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

/** Prefix of the environment variables that set options: `--media-root` ← `FRAMEWISE_MEDIA_ROOT`. */
export const ENV_PREFIX = 'FRAMEWISE_';

/** The environment variable that sets option `name`. */
export function envName(name: string): string {
  return ENV_PREFIX + name.toUpperCase().replaceAll('-', '_');
}

/**
 * Parses `args` against `specs` strictly (an unknown option is a {@link UsageError}), then
 * fills each option not given as a flag from its `FRAMEWISE_<OPTION>` variable.
 * Boolean variables take 1/true/yes or 0/false/no.
 */
export function parseCommandLine(
  command: string,
  args: readonly string[],
  specs: Readonly<Record<string, OptionSpec>>,
  env: NodeJS.ProcessEnv = process.env,
): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: Object.fromEntries(
        Object.entries(specs).map(([name, spec]) => [name, { type: spec.type }]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`${message} (see framewise ${command} --help)`, { cause: error });
  }
  const values: Record<string, string | boolean | undefined> = { ...parsed.values };
  for (const [name, spec] of Object.entries(specs)) {
    if (values[name] !== undefined) continue;
    const fromEnv = env[envName(name)];
    if (fromEnv === undefined || fromEnv === '') continue;
    values[name] = spec.type === 'boolean' ? parseBooleanVariable(envName(name), fromEnv) : fromEnv;
  }
  return { values, positionals: parsed.positionals };
}

function parseBooleanVariable(variable: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new UsageError(
    `${variable} must be 1/true/yes or 0/false/no, got ${JSON.stringify(value)}`,
  );
}

/** `--help` text of a command's options, one aligned line each. */
export function formatOptions(specs: Readonly<Record<string, OptionSpec>>): string {
  const heads = Object.entries(specs).map(([name, spec]) =>
    spec.type === 'string' ? `--${name} ${spec.valueName ?? '<value>'}` : `--${name}`,
  );
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  return Object.values(specs)
    .map((spec, i) => `  ${heads[i]!.padEnd(width)}${spec.help}`)
    .join('\n');
}
