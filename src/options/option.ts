import { delimiter } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.js';

/** How an option's value is written as text, on a command line or in a variable. */
export type OptionKind = 'integer' | 'number' | 'choice' | 'text' | 'list' | 'flag';

/**
 * One option, declared once: its type and check (a zod schema, which also yields the JSON
 * Schema of job payloads), its command-line flag and help, its `FRAMEWISE_<OPTION>` variable
 * (derived from the flag) and, when it travels in a job, its payload field.
 */
export interface Option<T = unknown, F extends string | undefined = string | undefined> {
  /** The flag without dashes, kebab-case: `max-reconnects` is `--max-reconnects`. */
  readonly flag: string;
  /** How the value is written as text. */
  readonly kind: OptionKind;
  /**
   * The value's type and check, applied to a job payload's JSON value as it is and to a flag's
   * text once converted (see {@link OptionKind}); its default fills an absent value.
   */
  readonly schema: z.ZodType<T>;
  /** What a value must be, for messages: `an integer >= 1`. */
  readonly rule: string;
  /** One line for `--help` and the reference, without the default. */
  readonly help: string;
  /** Shown after the flag in `--help`: `<N>`. Flags have none. */
  readonly valueName?: string;
  /** The default as people read it (`1`, `the model's`); absent when there is nothing to say. */
  readonly defaultText?: string;
  /** The job payload field that carries the option (camelCase); absent for local options. */
  readonly field?: F;
  /** The flag of a boolean option that must be on for this one to mean anything (`live`). */
  readonly requires?: string;
}

/** What every kind of option is declared with. */
interface OptionSpec<F extends string | undefined> {
  /** See {@link Option.help}. */
  readonly help: string;
  /** See {@link Option.field}. */
  readonly field?: F;
  /** See {@link Option.requires}. */
  readonly requires?: string;
  /** See {@link Option.defaultText}; taken from the default when there is one. */
  readonly defaultText?: string;
}

/** An option with a value after the flag. */
interface ValueSpec<F extends string | undefined> extends OptionSpec<F> {
  /** See {@link Option.valueName}. */
  readonly valueName: string;
}

/** A number option's bounds. */
interface NumberSpec<F extends string | undefined> extends ValueSpec<F> {
  /** Smallest value. */
  readonly min: number;
  /** Whether `min` itself is refused. @defaultValue false */
  readonly exclusiveMin?: boolean;
  /**
   * Largest value: every number has one, so that no value reaches a buffer size, a typed array
   * or ffmpeg out of range (a job's fields come from any client).
   */
  readonly max: number;
  /** Whether `max` itself is refused. @defaultValue false */
  readonly exclusiveMax?: boolean;
}

/** Builds an option, with `schema` defaulted or optional. */
function option<T, F extends string | undefined>(
  flag: string,
  kind: OptionKind,
  schema: z.ZodType<T>,
  rule: string,
  spec: OptionSpec<F> & { readonly valueName?: string },
  fallback: T | undefined,
): Option<T, F> {
  const defaultText = spec.defaultText ?? (fallback === undefined ? undefined : String(fallback));
  return {
    ...spec,
    flag,
    kind,
    rule,
    schema: (fallback === undefined
      ? schema.optional()
      : schema.default(fallback as never)) as z.ZodType<T>,
    ...(defaultText === undefined ? {} : { defaultText }),
  };
}

/** An integer option within bounds. */
export function integer<const F extends string | undefined = undefined>(
  flag: string,
  spec: NumberSpec<F> & { default: number },
): Option<number, F>;
export function integer<const F extends string | undefined = undefined>(
  flag: string,
  spec: NumberSpec<F>,
): Option<number | undefined, F>;
export function integer(flag: string, spec: NumberSpec<string | undefined> & { default?: number }) {
  const schema = withBounds(z.number().int(), spec);
  return option(flag, 'integer', schema, `an integer ${bounds(spec)}`, spec, spec.default);
}

/** A finite number option within bounds. */
export function number<const F extends string | undefined = undefined>(
  flag: string,
  spec: NumberSpec<F> & { default: number },
): Option<number, F>;
export function number<const F extends string | undefined = undefined>(
  flag: string,
  spec: NumberSpec<F>,
): Option<number | undefined, F>;
export function number(flag: string, spec: NumberSpec<string | undefined> & { default?: number }) {
  const schema = withBounds(z.number(), spec);
  return option(flag, 'number', schema, `a number ${bounds(spec)}`, spec, spec.default);
}

function withBounds(schema: z.ZodNumber, spec: NumberSpec<string | undefined>): z.ZodNumber {
  const low = spec.exclusiveMin === true ? schema.gt(spec.min) : schema.gte(spec.min);
  return spec.exclusiveMax === true ? low.lt(spec.max) : low.lte(spec.max);
}

function bounds(spec: NumberSpec<string | undefined>): string {
  const low = `${spec.exclusiveMin === true ? '>' : '>='} ${spec.min}`;
  return `${low} and ${spec.exclusiveMax === true ? '<' : '<='} ${spec.max}`;
}

/** One of a fixed set of words. */
export function choice<const V extends string, const F extends string | undefined = undefined>(
  flag: string,
  values: readonly [V, ...V[]],
  spec: OptionSpec<F> & { readonly valueName?: string; default: NoInfer<V> },
): Option<V, F>;
export function choice<const V extends string, const F extends string | undefined = undefined>(
  flag: string,
  values: readonly [V, ...V[]],
  spec: OptionSpec<F> & { readonly valueName?: string },
): Option<V | undefined, F>;
export function choice<const V extends string>(
  flag: string,
  values: readonly [V, ...V[]],
  spec: OptionSpec<string | undefined> & { readonly valueName?: string; default?: V },
) {
  const withValues = { ...spec, valueName: spec.valueName ?? `<${values.join('|')}>` };
  const rule = `one of ${values.join(', ')}`;
  return option(flag, 'choice', z.enum(values), rule, withValues, spec.default);
}

/** A text option's form. */
interface TextSpec<F extends string | undefined> extends ValueSpec<F> {
  /** What the text must match; any non-empty text when absent. */
  readonly pattern?: RegExp;
  /** What `pattern` asks for, for messages. */
  readonly rule?: string;
  /** Longest text accepted. @defaultValue {@link MAX_TEXT_LENGTH} */
  readonly maxLength?: number;
}

/** Longest value of a text option by default: paths, URLs, names. */
export const MAX_TEXT_LENGTH = 4096;

/** Free text, optionally matching a pattern (described by `rule`). */
export function text<const F extends string | undefined = undefined>(
  flag: string,
  spec: TextSpec<F> & { default: string },
): Option<string, F>;
export function text<const F extends string | undefined = undefined>(
  flag: string,
  spec: TextSpec<F>,
): Option<string | undefined, F>;
export function text(flag: string, spec: TextSpec<string | undefined> & { default?: string }) {
  const max = spec.maxLength ?? MAX_TEXT_LENGTH;
  const schema = (
    spec.pattern === undefined ? z.string().min(1) : z.string().regex(spec.pattern)
  ).max(max);
  const rule = `${spec.rule ?? 'a non-empty string'}, at most ${max} characters`;
  return option(flag, 'text', schema, rule, spec, spec.default);
}

/**
 * Several values in one: a list of non-empty strings, written as text separated by the
 * platform's path delimiter (`:`), as `PATH` is.
 */
export function list(flag: string, spec: ValueSpec<undefined>): Option<string[], undefined> {
  const schema = z.array(z.string().min(1));
  return option(flag, 'list', schema, `a "${delimiter}"-separated list`, spec, []);
}

/**
 * A flag: true when given, false when not. `FRAMEWISE_<FLAG>` takes 1/true/yes/on or
 * 0/false/no/off.
 */
export function flag<const F extends string | undefined = undefined>(
  flag: string,
  spec: OptionSpec<F>,
): Option<boolean, F> {
  return option(flag, 'flag', z.boolean(), 'a boolean', spec, false);
}

/**
 * A flag that may be left unset, so that `false` can be told from "not given" (a payload field
 * that only makes sense with another one).
 */
export function optionalFlag<const F extends string | undefined = undefined>(
  flag: string,
  spec: OptionSpec<F>,
): Option<boolean | undefined, F> {
  return option(flag, 'flag', z.boolean(), 'a boolean', spec, undefined);
}

/** A set of options, keyed by the name their value has in code (`maxLagMs` for `--max-lag`). */
export type OptionSet = Readonly<Record<string, Option<unknown, string | undefined>>>;

/** The values of a set of options, typed from their schemas. */
export type OptionValues<S extends OptionSet> = {
  -readonly [K in keyof S]: S[K] extends Option<infer T, string | undefined> ? T : never;
};

/** Every option's default: what a command sees when nothing is given. */
export function defaults<S extends OptionSet>(options: S): OptionValues<S> {
  return Object.fromEntries(
    Object.entries(options).map(([key, o]) => [key, o.schema.parse(undefined)]),
  ) as OptionValues<S>;
}

/** The values of the options in `set`, out of the values of a larger set that holds it. */
export function valuesOf<S extends OptionSet>(
  values: Readonly<Record<string, unknown>>,
  set: S,
): OptionValues<S> {
  return Object.fromEntries(Object.keys(set).map((key) => [key, values[key]])) as OptionValues<S>;
}

/**
 * Checks option values given in code (a library caller's), keyed by their names in the set:
 * each given value against its schema, each missing one from its default.
 * @throws {@link UsageError} naming the option, the rule and the value, or an unknown name.
 */
export function parseOptions<S extends OptionSet>(
  set: S,
  given: Readonly<Partial<Record<keyof S, unknown>>>,
): OptionValues<S> {
  const unknown = Object.keys(given).filter((key) => !(key in set));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown options ${unknown.join(', ')}; known: ${Object.keys(set).join(', ')}`,
    );
  }
  const values: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(set)) {
    const value = (given as Record<string, unknown>)[key];
    const result = option.schema.safeParse(value);
    if (!result.success) {
      throw new UsageError(`${key} must be ${option.rule}, got ${shown(value)}`);
    }
    values[key] = result.data;
  }
  return values as OptionValues<S>;
}

/**
 * A job payload as producers write it: each option that has a payload field, under that
 * field's name, optional (absent takes the default).
 */
export type PayloadOf<S extends OptionSet> = {
  readonly [
    K in keyof S as S[K] extends Option<unknown, infer F extends string> ? F : never
  ]?: Exclude<S[K] extends Option<infer T, string | undefined> ? T : never, undefined>;
};

/**
 * Converts a flag's or variable's text to the value its schema checks: numbers are parsed (an
 * empty or blank text is no number), lists split. Booleans come from variables only (a flag is
 * already true), as 1/true/yes/on or 0/false/no/off; anything else is left for the schema to
 * refuse.
 */
export function fromText(kind: OptionKind, value: string): unknown {
  switch (kind) {
    case 'integer':
    case 'number':
      return value.trim() === '' ? Number.NaN : Number(value);
    case 'list':
      return value.split(delimiter).filter((item) => item !== '');
    case 'flag':
      return BOOLEAN_TEXT[value.trim().toLowerCase()] ?? value;
    case 'choice':
    case 'text':
      return value;
  }
}

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = {
  '1': true,
  true: true,
  yes: true,
  on: true,
  '0': false,
  false: false,
  no: false,
  off: false,
};

/**
 * A value as an error message quotes it: its JSON, cut after `max` characters with the full
 * length told, so that a huge value (a job field from any client) cannot flood a message or a
 * log line.
 */
export function shown(value: unknown, max = 100): string {
  return clip(JSON.stringify(value) ?? String(value), max);
}

/** Text cut after `max` characters, with its full length told. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
