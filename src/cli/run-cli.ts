import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FramewiseError, isUserError } from '../errors.js';
import { packageRoot } from '../model/load/bundled-model.js';
import type { CommandIo } from './command-io.js';
import { COMMAND_SPECS } from './command-specs.js';
type Command = (args: readonly string[], io: CommandIo) => Promise<number>;

/**
 * Each command's module, imported when the command runs: `label` then never loads BullMQ,
 * ioredis, pino or prom-client, which the queue commands need (a good part of its start-up).
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  label: async () => (await import('./label-command.js')).labelCommand,
  worker: async () => (await import('./worker-command.js')).workerCommand,
  enqueue: async () => (await import('./enqueue-command.js')).enqueueCommand,
  watch: async () => (await import('./watch-command.js')).watchCommand,
  status: async () => (await import('./status-command.js')).statusCommand,
  cancel: async () => (await import('./cancel-command.js')).cancelCommand,
  serve: async () => (await import('./serve-command.js')).serveCommand,
  train: async () => (await import('./train-command.js')).trainCommand,
  evaluate: async () => (await import('./evaluate-command.js')).evaluateCommand,
  convert: async () => (await import('./convert-command.js')).convertCommand,
};

/** `framewise --help`: one line per command. */
function usage(): string {
  const heads = COMMAND_SPECS.map(
    (spec) => `${spec.name} ${spec.usage.replace(/ ?\[options\]$/, '')}`,
  );
  const width = Math.max(...heads.map((head) => head.length)) + 2;
  return [
    'usage: framewise <command> [options]',
    '',
    'commands:',
    ...COMMAND_SPECS.map((spec, i) => `  ${heads[i]!.padEnd(width)}${spec.summary}`),
    '',
    "framewise <command> --help shows a command's options.",
    '',
  ].join('\n');
}

/** Exit status of bad usage or bad input. */
const EXIT_USAGE = 2;
/** Exit status of any other failure. */
const EXIT_FAILURE = 1;
/** Exit status after SIGINT or SIGTERM: 128 + the signal's number, as shells report it. */
const EXIT_SIGNAL: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Runs one `framewise` command line in this process and resolves with its exit status: 0
 * success, 2 bad usage or bad input, 1 anything else (130/143 after SIGINT/SIGTERM).
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  // Data goes to stdout only through the sinks: a library's console.log must not corrupt it.
  console.log = console.error;
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals) => {
    stoppedBy = signal;
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // A reader that goes away (`framewise label … | head`) is a normal end, not a failure:
  // stop the work (ffmpeg is killed on the way out) and exit 0.
  let outputClosed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    outputClosed = true;
    controller.abort(error);
  });
  const io: CommandIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
  };
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version') {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
      version: string;
    };
    io.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    io.stderr.write(
      `framewise: unknown command ${JSON.stringify(name)}; commands: ${Object.keys(COMMANDS).join(', ')} (see framewise --help)\n`,
    );
    return EXIT_USAGE;
  }
  try {
    const command = await load();
    return await command(args, io);
  } catch (error) {
    if (outputClosed) return 0;
    if (stoppedBy !== undefined) {
      io.stderr.write(`framewise ${name}: interrupted by ${stoppedBy}\n`);
      return EXIT_SIGNAL[stoppedBy] ?? EXIT_FAILURE;
    }
    io.stderr.write(`framewise ${name}: ${describe(error)}\n`);
    return isUserError(error) ? EXIT_USAGE : EXIT_FAILURE;
  }
}

function describe(error: unknown): string {
  if (error instanceof FramewiseError) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message.split('\n')[0]}`;
  return String(error);
}
