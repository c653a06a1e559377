/** What a command reads and writes: the process's streams, or stand-ins in tests. */
export interface CommandIo {
  /** Data: labels, ids, summaries. */
  readonly stdout: NodeJS.WriteStream;
  /** Logs, progress, statistics and errors. */
  readonly stderr: NodeJS.WriteStream;
  /** Source of `FRAMEWISE_<OPTION>` variables. */
  readonly env: NodeJS.ProcessEnv;
  /** Fires on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}
