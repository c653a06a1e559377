import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/model/load/bundled-model.js';

/** The compiled CLI (`npm test` builds first), run as users run it. */
export const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

/** What a CLI run printed and how it ended. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `framewise <args>` as a child process and waits for it. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Parses JSON lines. */
export function parseJsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** A `framewise` command running in the background (a worker, `serve`). */
export interface CliProcess {
  readonly child: ChildProcess;
  /** The first capture group of `ready` in its stderr (or the whole match). */
  readonly line: string;
}

/**
 * Starts `framewise <args>` and resolves once its stderr matches `ready`; rejects if it exits
 * first or takes longer than `timeoutMs`.
 */
export function startCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<CliProcess> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  child.stderr!.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${args[0]} did not start: ${text}`)),
      timeoutMs,
    );
    child.stderr!.on('data', (chunk: string) => {
      text += chunk;
      const match = ready.exec(text);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, line: match[1] ?? match[0] });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited with ${code}: ${text}`));
    });
  });
}
