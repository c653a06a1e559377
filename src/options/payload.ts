import { z } from 'zod';
import { UsageError } from '../errors.js';
import { checkRequirements } from './command-line.js';
import {
  clip,
  shown,
  type Option,
  type OptionSet,
  type OptionValues,
  type PayloadOf,
} from './option.js';

/** A JSON Schema document, as `z.toJSONSchema` writes it. */
export type JsonSchema = Record<string, unknown>;

/**
 * Checks a payload (JSON values, from any client) against the options that have a payload
 * field, each by its option's schema: a missing field takes the option's default, an option
 * without a field always does. `fixed` are the payload's other fields, checked by the caller.
 * @throws {@link UsageError} naming the field, the rule and the value, or the unknown fields.
 */
export function parsePayload<S extends OptionSet>(
  options: S,
  payload: Readonly<Record<string, unknown>>,
  context: { readonly name: string; readonly fixed: readonly string[] },
): OptionValues<S> {
  const fields = [...context.fixed, ...payloadFields(options).map(([, o]) => o.field!)];
  const unknown = Object.keys(payload).filter((key) => !fields.includes(key));
  if (unknown.length > 0) {
    throw new UsageError(
      `${context.name} has unknown fields ${clip(unknown.join(', '), 200)}; allowed: ${fields.join(', ')}`,
    );
  }
  const values: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(options)) {
    const raw = option.field === undefined ? undefined : payload[option.field];
    const result = option.schema.safeParse(raw);
    if (!result.success) {
      throw new UsageError(
        `${context.name} ${option.field} must be ${option.rule}, got ${shown(raw)}`,
      );
    }
    values[key] = result.data;
  }
  checkRequirements(
    options,
    values,
    (o) => o.field ?? o.flag,
    (o) => `set "${o.field}": true in the ${context.name}`,
  );
  return values as OptionValues<S>;
}

/** The payload fields for option values: every field whose value is set, under its name. */
export function payloadOf<S extends OptionSet>(
  options: S,
  values: Readonly<OptionValues<S>>,
): PayloadOf<S> {
  const payload: Record<string, unknown> = {};
  for (const [key, option] of payloadFields(options)) {
    const value = (values as Record<string, unknown>)[key];
    if (value !== undefined) payload[option.field!] = value;
  }
  return payload as PayloadOf<S>;
}

/**
 * The JSON Schema (draft 2020-12) of a payload: `fixed` fields (required, with their own
 * schemas), then every option's field, optional, described by its help, with its default and
 * its check; an option that requires another (`watchdog` requires `live`) may only appear with
 * that one true.
 */
export function payloadJsonSchema(
  options: OptionSet,
  fixed: Readonly<Record<string, z.ZodType>>,
  meta: { readonly $id: string; readonly title: string; readonly description: string },
): JsonSchema {
  const shape: Record<string, z.ZodType> = { ...fixed };
  for (const [, option] of payloadFields(options)) {
    // A default the schema cannot hold (it depends on other fields or on the model) is told.
    const told =
      option.defaultText !== undefined && option.schema.parse(undefined) === undefined
        ? ` (default: ${option.defaultText})`
        : '';
    shape[option.field!] = option.schema.meta({ description: option.help + told });
  }
  const schema = z.toJSONSchema(z.strictObject(shape), { io: 'input', target: 'draft-2020-12' });
  const { $schema, ...rest } = schema;
  return { $schema, ...meta, ...rest, ...dependentSchemas(options) };
}

function dependentSchemas(options: OptionSet): JsonSchema {
  const byFlag = new Map(Object.values(options).map((o) => [o.flag, o]));
  const dependent: Record<string, JsonSchema> = {};
  for (const [, option] of payloadFields(options)) {
    const required = option.requires === undefined ? undefined : byFlag.get(option.requires);
    if (required?.field === undefined) continue;
    dependent[option.field!] = {
      required: [required.field],
      properties: { [required.field]: { const: true } },
    };
  }
  return Object.keys(dependent).length === 0 ? {} : { dependentSchemas: dependent };
}

function payloadFields(options: OptionSet): [string, Option<unknown, string | undefined>][] {
  return Object.entries(options).filter(([, o]) => o.field !== undefined);
}
