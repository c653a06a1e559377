import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { CLI } from './cli.js';
import { REDIS_URL } from './queue.js';

/** A `framewise serve` process. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** What it printed on stderr. */
  stderr(): string;
  /** SIGTERM, then waits for it to exit; resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `framewise serve <args>` and waits until it prints its URL. */
export async function startServe(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    env: { ...process.env, REDIS_URL, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 30_000);
    const onData = () => {
      const match = /dashboard at (http:\/\/\S+?)\/?\n/.exec(stderr);
      if (match === null) return;
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      resolve(match[1]!);
    };
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${stderr}`));
    });
  });
  return {
    child,
    url,
    port: Number(new URL(url).port),
    stderr: () => stderr,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Debian's Chromium, which `.ci/run` installs; CHROMIUM_PATH names another. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A headless Chromium driven by playwright-core. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Root in CI containers cannot use Chromium's sandbox.
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** One Server-Sent Event. */
export interface SseEvent {
  readonly id?: string;
  readonly data: string;
}

/**
 * Reads a Server-Sent Events response into events until it ends or `signal` aborts; `onEvent`
 * sees each as it comes. Lines are split as the SSE format says (LF, CR or CRLF).
 */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  onEvent: (event: SseEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(url, { headers, signal });
  if (!response.ok || response.body === null) {
    throw new Error(`SSE request failed: ${response.status} ${await response.text()}`);
  }
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let data: string[] = [];
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0)
            onEvent({ ...(id === undefined ? {} : { id }), data: data.join('\n') });
          id = undefined;
          data = [];
        } else if (line.startsWith('id:')) {
          id = line.slice(3).trimStart();
        } else if (line.startsWith('data:')) {
          data.push(line.slice(5).replace(/^ /, ''));
        }
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
