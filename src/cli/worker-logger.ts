import { pino, type Logger } from 'pino';
import { redactingDestination } from './redacting-destination.js';

/**
 * The worker's logger on stderr: one JSON object per line for log collectors, or, when stderr
 * is a terminal, pino-pretty's human lines (loaded only then, so a container never pays for
 * it). Lines are written synchronously, so none is lost when the process exits, and every line
 * goes through {@link redactingDestination}.
 *
 * @param stderr - The process's stderr (or a stand-in); only `isTTY` is read.
 */
export async function createWorkerLogger(stderr: { readonly isTTY?: boolean }): Promise<Logger> {
  const options = { base: { pid: process.pid } };
  if (stderr.isTTY === true) {
    const { default: pretty } = await import('pino-pretty');
    const human = pretty({
      destination: 2,
      sync: true,
      colorize: true,
      ignore: 'pid,hostname',
      translateTime: 'SYS:HH:MM:ss.l',
    });
    return pino(options, redactingDestination(human));
  }
  return pino(options, redactingDestination(pino.destination({ dest: 2, sync: true })));
}
