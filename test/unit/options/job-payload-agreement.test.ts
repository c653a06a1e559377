import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ENQUEUE_COMMAND } from '../../../src/cli/command-specs.js';
import { parseCommandLine } from '../../../src/options/command-line.js';
import type { Option } from '../../../src/options/option.js';
import { valuesOf } from '../../../src/options/option.js';
import {
  parseVideoJob,
  VIDEO_JOB_OPTIONS,
  videoJobData,
  videoJobJsonSchema,
} from '../../../src/queue/video-job.js';
import { referenceFiles } from '../../../scripts/reference/reference-files.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const schema = videoJobJsonSchema();
const validate = new Ajv2020({ strict: true }).compile(schema);
const jobOptions = Object.entries(VIDEO_JOB_OPTIONS).filter(([, o]) => o.field !== undefined);

/** What the JSON Schema says of a field. */
interface FieldSchema {
  readonly type: string;
  readonly minimum?: number;
  readonly exclusiveMinimum?: number;
  readonly enum?: readonly string[];
  readonly default?: unknown;
}

/**
 * A value the schema accepts for the option's field that is not its default, as JSON and as
 * the CLI writes it (a flag has no text).
 */
function validSample(option: Option): { text: string | undefined; json: unknown } {
  const field = (schema.properties as Record<string, FieldSchema>)[option.field!]!;
  switch (field.type) {
    case 'integer':
    case 'number': {
      const value = (field.minimum ?? field.exclusiveMinimum ?? 0) + 2;
      return { text: String(value), json: value };
    }
    case 'string': {
      const value = field.enum!.find((v) => v !== field.default)!;
      return { text: value, json: value };
    }
    case 'boolean':
      return { text: undefined, json: true };
    default:
      throw new Error(`no sample for a field of type ${field.type} (${option.field})`);
  }
}

/** A JSON value the option must refuse. */
function invalidSample(option: Option): unknown {
  switch (option.kind) {
    case 'integer':
      return 1.5;
    case 'number':
      return -1;
    case 'choice':
      return 'no-such-value';
    default:
      return 'yes';
  }
}

/** The enqueue command line that sets one option, with `--live` where it needs it. */
function enqueueArgs(option: Option, text: string | undefined): string[] {
  const value = text === undefined ? [] : [text];
  const live = option.requires === 'live' ? ['--live'] : [];
  return ['/media/a.mp4', `--${option.flag}`, ...value, ...live];
}

describe('the job payload: CLI flags, payload fields and the JSON Schema agree', () => {
  it('checks in the generated reference and schema as they are generated now', async () => {
    for (const [path, content] of Object.entries(await referenceFiles())) {
      expect(await readFile(join(ROOT, path), 'utf8'), `${path}: run npm run reference`).toBe(
        content,
      );
    }
  });

  it('has a schema property for each job field and a field for each property', () => {
    const properties = Object.keys(schema.properties as object).sort();
    expect(properties).toEqual(['url', ...jobOptions.map(([, o]) => o.field!)].sort());
    expect(schema.required).toEqual(['url']);
  });

  it('lets enqueue set every job field with a flag of its own', () => {
    const enqueueFlags = Object.values(ENQUEUE_COMMAND.options).map((o) => o.flag);
    for (const [, option] of jobOptions) expect(enqueueFlags).toContain(option.flag);
  });

  it.each(jobOptions)(
    'carries %s from the flag to the payload, the schema and the worker',
    (key, option) => {
      const sample = validSample(option);
      const { options } = parseCommandLine(ENQUEUE_COMMAND, enqueueArgs(option, sample.text), {});
      const payload = videoJobData('/media/a.mp4', valuesOf(options, VIDEO_JOB_OPTIONS));
      expect(payload).toHaveProperty([option.field!], sample.json);
      expect(validate(payload), JSON.stringify(validate.errors)).toBe(true);
      const job = parseVideoJob(payload);
      const parsed = {
        ...job.options,
        ...job.live,
        live: job.live !== undefined,
        ...(job.splitSec === undefined ? {} : { splitSec: job.splitSec }),
      };
      expect(parsed).toHaveProperty([key], sample.json);
    },
  );

  it.each(jobOptions)('refuses a bad %s in the schema and in the worker alike', (_key, option) => {
    const payload = { url: '/media/a.mp4', live: true, [option.field!]: invalidSample(option) };
    expect(validate(payload)).toBe(false);
    expect(() => parseVideoJob(payload)).toThrow(`job data ${option.field} must be`);
  });

  it.each(jobOptions.filter(([, o]) => o.requires === 'live'))(
    'accepts %s only in a live job, in the schema, the worker and the CLI',
    (_key, option) => {
      const sample = validSample(option);
      const payload = { url: '/media/a.mp4', [option.field!]: sample.json };
      expect(validate(payload)).toBe(false);
      expect(validate({ ...payload, live: true })).toBe(true);
      expect(() => parseVideoJob(payload)).toThrow(/only with live/);
      const args = enqueueArgs(option, sample.text).filter((arg) => arg !== '--live');
      expect(() => parseCommandLine(ENQUEUE_COMMAND, args, {})).toThrow(/only with --live/);
    },
  );

  it('refuses fields the schema does not know, in the schema and in the worker', () => {
    const payload = { url: '/media/a.mp4', batch: 8 };
    expect(validate(payload)).toBe(false);
    expect(() => parseVideoJob(payload)).toThrow(/unknown fields batch/);
  });
});
