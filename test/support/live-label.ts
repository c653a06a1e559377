import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { CLI, parseJsonLines } from './cli.js';
import { waitFor } from './queue.js';
import { OWNER_VARIABLE } from './videos.js';

/** A line `framewise label --live` prints: a label, or an outage (`gap`, no `label`). */
export interface LiveLine {
  frame: number;
  start?: number;
  t: number;
  label?: number;
  gap?: number;
  latencyMs?: number;
}

/** A running `framewise label <url> --live …` whose output is collected. */
export interface LiveLabelRun {
  /** The JSON lines printed so far. */
  lines(): LiveLine[];
  /** Its stderr so far. */
  stderr(): string;
  /** Waits until `count` lines are out (failing with its stderr after `timeoutMs`). */
  waitForLines(count: number, timeoutMs: number): Promise<void>;
  /** Interrupts it (SIGINT) and resolves with its exit status. */
  interrupt(): Promise<number>;
}

/**
 * Starts `framewise label <url> --live --format jsonl …args` as a child process whose ffmpeg
 * children carry `mark` (see `ffmpegProcessesRunning`).
 */
export function startLiveLabel(url: string, args: readonly string[], mark: string): LiveLabelRun {
  const child = spawn(
    process.execPath,
    [CLI, 'label', url, '--live', '--format', 'jsonl', ...args],
    { env: { ...process.env, [OWNER_VARIABLE]: mark }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number);
  const lines = () => parseJsonLines<LiveLine>(out);
  return {
    lines,
    stderr: () => err,
    waitForLines: (count, timeoutMs) =>
      waitFor(() => lines().length >= count, timeoutMs).catch((error: unknown) => {
        throw new Error(`${String(error)}; stderr: ${err}`);
      }),
    interrupt: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}
