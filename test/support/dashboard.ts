import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startCli } from './cli.js';
import { REDIS_URL } from './queue.js';

/** A `framewise serve` process. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** SIGTERM, then waits for it to exit; resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `framewise serve <args>` and waits until it prints its URL. */
export async function startServe(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ServeProcess> {
  const { child, line: url } = await startCli(
    ['serve', ...args],
    { REDIS_URL, ...env },
    /dashboard at (http:\/\/\S+?)\/?\n/,
    30_000,
  );
  const exited =
    child.exitCode !== null
      ? Promise.resolve(child.exitCode)
      : once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    url,
    port: Number(new URL(url).port),
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
