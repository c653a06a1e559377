import type { DestinationStream } from 'pino';
import { redactUrlsInText } from '../policy/redact-url.js';

/**
 * Wraps a log destination so that no line it writes holds a password of a URL
 * (`rtsp://user:secret@cam/` becomes `rtsp://user:***@cam/`), wherever the URL appears: a
 * field, a message, an error's text. The code redacts what it logs already (`redactUrl`); this
 * is the net under it, for text framewise does not control (ffmpeg's, a library's errors). Its
 * work is linear in the line's length: a job's URL of any length cannot stall the worker.
 *
 * @param destination - Where the redacted lines go.
 * @returns A destination for `pino(options, destination)`.
 */
export function redactingDestination(destination: DestinationStream): DestinationStream {
  return {
    write(line: string): void {
      destination.write(redactUrlsInText(line));
    },
  };
}
