/**
 * The files generated from the option schema: docs/cli.md (every command and option) and
 * schema/video-job.schema.json (the job payload, for producers in other languages). Written by
 * `npm run reference`; a test fails when a checked-in copy differs from what this makes.
 */
import { format } from 'prettier';
import { COMMAND_SPECS } from '../../src/cli/command-specs.js';
import { envName, flagHead, type CommandSpec } from '../../src/options/command-line.js';
import type { Option } from '../../src/options/option.js';
import { videoJobJsonSchema } from '../../src/queue/video-job.js';

/** Where each generated file goes, from the repository root, and what it holds. */
export async function referenceFiles(): Promise<Record<string, string>> {
  return {
    'docs/cli.md': await format(cliReference(), { parser: 'markdown' }),
    'schema/video-job.schema.json': await format(JSON.stringify(videoJobJsonSchema()), {
      parser: 'json',
    }),
  };
}

function cliReference(): string {
  return [
    '# Command-line reference',
    '',
    '<!-- Generated from the option schema in src/options/ by `npm run reference`; do not edit. -->',
    '',
    '`framewise <command> [options]` (from a clone: `npx framewise …`). Every option can also be',
    'set by an environment variable, `FRAMEWISE_` and the flag in upper snake case',
    '(`--media-root` is `FRAMEWISE_MEDIA_ROOT`); a flag wins over its variable. Boolean',
    'variables take `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`. The queue commands connect',
    'to `REDIS_URL` (default `redis://127.0.0.1:6379`).',
    '',
    'Exit status: 0 success; 2 bad usage or bad input, with one line on stderr saying what was',
    'wrong and what to do; 1 any other failure; 130 or 143 after SIGINT or SIGTERM.',
    '',
    'The "job field" column names the field of the job payload that carries the option; the',
    'payload is described by [`schema/video-job.schema.json`](../schema/video-job.schema.json)',
    '(see [queue.md](queue.md#jobs-failures-and-retries)).',
    '',
    ...COMMAND_SPECS.map((spec) => `- [\`${spec.name}\`](#${anchor(spec)}): ${spec.summary}`),
    '',
    ...COMMAND_SPECS.flatMap(commandSection),
  ].join('\n');
}

function commandSection(spec: CommandSpec): string[] {
  const options = Object.values(spec.options);
  const withFields = options.some((o) => o.field !== undefined);
  const header = withFields
    ? ['| option | variable | meaning | default | job field |', '| --- | --- | --- | --- | --- |']
    : ['| option | variable | meaning | default |', '| --- | --- | --- | --- |'];
  return [
    `## framewise ${spec.name}`,
    '',
    `\`framewise ${spec.name} ${spec.usage}\``,
    '',
    markdownText(spec.description.replaceAll('\n', ' ')),
    '',
    ...header,
    ...options.map((o) => optionRow(o, withFields)),
    '',
  ];
}

function optionRow(option: Option, withFields: boolean): string {
  const cells = [
    code(flagHead(option)),
    code(envName(option.flag)),
    option.requires === undefined ? option.help : `with \`--${option.requires}\`: ${option.help}`,
    option.kind === 'flag' && option.defaultText === 'false' ? 'off' : (option.defaultText ?? ''),
    ...(withFields ? [option.field === undefined ? '' : code(option.field)] : []),
  ];
  return `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
}

/** Text with its `<placeholders>` as code, so that Markdown does not take them for HTML. */
function markdownText(text: string): string {
  return text.replace(/<[^<>\s]+>/g, (placeholder) => code(placeholder));
}

function code(text: string): string {
  return `\`${text}\``;
}

/** The anchor GitHub gives the command's heading. */
function anchor(spec: CommandSpec): string {
  return `framewise-${spec.name}`;
}
