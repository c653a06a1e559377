import type { ChildProcess } from 'node:child_process';

/**
 * How long a child gets to exit after SIGTERM before SIGKILL, in milliseconds. ffmpeg answers
 * SIGTERM within a few milliseconds once it is not blocked on a pipe (it closes network
 * sessions cleanly, e.g. RTSP TEARDOWN); a second is generous.
 */
export const KILL_GRACE_MS = 1000;

/**
 * Stops a child process and resolves once it has exited: closes our ends of its stdout and
 * stderr (a child blocked writing to a full pipe then fails with EPIPE instead of waiting),
 * sends SIGTERM, and SIGKILL after `graceMs`. Resolves at once if it has already exited.
 *
 * @param graceMs - Milliseconds between SIGTERM and SIGKILL. @defaultValue {@link KILL_GRACE_MS}
 */
export function terminateChild(
  child: ChildProcess,
  graceMs: number = KILL_GRACE_MS,
): Promise<void> {
  child.stdout?.destroy();
  child.stderr?.destroy();
  // No pid: spawning failed, so there is no process to wait for.
  if (child.pid === undefined || hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** True once the child has exited (with a code or a signal). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}
