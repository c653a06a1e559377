import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import {
  defaults,
  fromText,
  shown,
  type Option,
  type OptionSet,
  type OptionValues,
} from './option.js';

/** Prefix of the variables that set options: `--media-root` ← `FRAMEWISE_MEDIA_ROOT`. */
export const ENV_PREFIX = 'FRAMEWISE_';

/** The environment variable that sets the option with this flag. */
export function envName(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replaceAll('-', '_');
}

/** A command as its `--help` and the reference describe it. */
export interface CommandSpec<S extends OptionSet = OptionSet> {
  /** `label`, `worker`, … */
  readonly name: string;
  /** What follows `framewise <name>` in the usage line: `<input> [options]`. */
  readonly usage: string;
  /** One line for `framewise --help`. */
  readonly summary: string;
  /** A paragraph for the command's `--help` and the reference. */
  readonly description: string;
  /** The options it takes, keyed by the names of their values. */
  readonly options: S;
}

/** A parsed command line: typed option values (a flag wins over its variable) and positionals. */
export interface CommandLine<S extends OptionSet> {
  readonly options: OptionValues<S>;
  readonly positionals: string[];
  /** `--help` was given: the caller prints {@link formatHelp} and does nothing else. */
  readonly help: boolean;
}

/**
 * Parses `args` strictly against a command's options (an unknown option is a
 * {@link UsageError}), fills each option not given from its `FRAMEWISE_<OPTION>` variable, then
 * checks every value against its schema, once, with a message naming the option, the rule and
 * the value received.
 */
export function parseCommandLine<S extends OptionSet>(
  command: CommandSpec<S>,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): CommandLine<S> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        help: { type: 'boolean' },
        ...Object.fromEntries(
          Object.values(command.options).map((o) => [
            o.flag,
            { type: o.kind === 'flag' ? ('boolean' as const) : ('string' as const) },
          ]),
        ),
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`${message} (see framewise ${command.name} --help)`, { cause: error });
  }
  if (parsed.values.help === true) {
    return { options: defaults(command.options), positionals: parsed.positionals, help: true };
  }
  const given = parsed.values as Record<string, string | boolean | undefined>;
  const values: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(command.options)) {
    values[key] = readOption(option, given[option.flag], env);
  }
  checkRequirements(
    command.options,
    values,
    (o) => `--${o.flag}`,
    (o) => `add --${o.flag}`,
  );
  return {
    options: values as OptionValues<S>,
    positionals: parsed.positionals,
    help: false,
  };
}

/** One option's value from its flag, else its variable, else its default. */
function readOption(option: Option, given: string | boolean | undefined, env: NodeJS.ProcessEnv) {
  const variable = envName(option.flag);
  const fromEnv = env[variable];
  const source =
    given !== undefined
      ? { raw: given, name: option.flag }
      : fromEnv !== undefined && fromEnv !== ''
        ? { raw: fromEnv, name: `${option.flag} (from ${variable})` }
        : undefined;
  if (source === undefined) return option.schema.parse(undefined);
  const value = typeof source.raw === 'string' ? fromText(option.kind, source.raw) : source.raw;
  const result = option.schema.safeParse(value);
  if (!result.success) {
    throw new UsageError(`${source.name} must be ${option.rule}, got ${shown(source.raw)}`);
  }
  return result.data;
}

/**
 * Refuses options that are set while the boolean option they require is not on, naming them
 * all at once: `--watchdog, --max-lag apply only with --live: add --live`. `name` writes an
 * option as the user wrote it, `fix` says how to turn the required one on.
 */
export function checkRequirements(
  options: OptionSet,
  values: Readonly<Record<string, unknown>>,
  name: (option: Option) => string,
  fix: (required: Option) => string,
): void {
  const byFlag = new Map(Object.entries(options).map(([key, o]) => [o.flag, { key, o }]));
  const misplaced = new Map<string, Option[]>();
  for (const [key, option] of Object.entries(options)) {
    if (option.requires === undefined) continue;
    const set = values[key] !== undefined && values[key] !== false;
    const required = byFlag.get(option.requires);
    if (!set || required === undefined || values[required.key] === true) continue;
    misplaced.set(option.requires, [...(misplaced.get(option.requires) ?? []), option]);
  }
  for (const [requiredFlag, misplacedOptions] of misplaced) {
    const required = byFlag.get(requiredFlag)!.o;
    const verb = misplacedOptions.length === 1 ? 'applies' : 'apply';
    throw new UsageError(
      `${misplacedOptions.map(name).join(', ')} ${verb} only with ${name(required)}: ${fix(required)}`,
    );
  }
}

/** Columns `--help` fills: an 80-column terminal's, with room for a 100-column one's. */
const HELP_COLUMNS = 100;

/** The `--help` text of a command: usage, description, one aligned entry per option. */
export function formatHelp(command: CommandSpec): string {
  const rows = [
    ...Object.values(command.options).map((o) => [flagHead(o), helpText(o)] as const),
    ['--help', 'show this help'] as const,
  ];
  const width = Math.min(Math.max(...rows.map(([head]) => head.length)) + 4, HELP_COLUMNS / 2);
  const example = envName(Object.values(command.options)[0]?.flag ?? 'prefix');
  return [
    `usage: framewise ${command.name} ${command.usage}`,
    '',
    command.description,
    '',
    `options (each also settable as ${ENV_PREFIX}<OPTION>, e.g. ${example}):`,
    ...rows.map(([head, help]) => helpEntry(head, help, width)),
    '',
  ].join('\n');
}

/** One option's entry: the flag, then its help wrapped in a column of its own. */
function helpEntry(head: string, help: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of help.split(' ')) {
    if (line !== '' && width + line.length + 1 + word.length > HELP_COLUMNS) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  const first =
    head.length + 2 < width ? `  ${head.padEnd(width - 2)}` : `  ${head}\n${' '.repeat(width)}`;
  return first + lines.join(`\n${' '.repeat(width)}`);
}

/** `--window <N>` or `--live`. */
export function flagHead(option: Option): string {
  return option.valueName === undefined
    ? `--${option.flag}`
    : `--${option.flag} ${option.valueName}`;
}

/**
 * The help line with its default, and the option it needs first:
 * `with --live: restart ffmpeg when no frame came for this long [10000]`.
 */
export function helpText(option: Option): string {
  const help =
    option.requires === undefined ? option.help : `with --${option.requires}: ${option.help}`;
  const shown =
    option.kind === 'flag' && option.defaultText === 'false' ? undefined : option.defaultText;
  return shown === undefined || shown === '' ? help : `${help} [${shown}]`;
}
