import type { DestinationStream } from 'pino';

// A URL's userinfo password: from the `:` after the user name to the last `@` before the host,
// within one token (JSON quotes and whitespace end it). The same split as redactUrl, but
// anywhere in a line, because a URL can sit inside an error message or a stack.
const PASSWORD_IN_URL = /([a-z][a-z0-9+.-]*:\/\/[^\s"/?#:@]*):[^\s"/?#]*@/gi;

/**
 * Wraps a log destination so that no line it writes holds a password of a URL
 * (`rtsp://user:secret@cam/` becomes `rtsp://user:***@cam/`), wherever the URL appears: a
 * field, a message, an error's text. The code redacts what it logs already (`redactUrl`); this
 * is the net under it, for text framewise does not control (ffmpeg's, a library's errors).
 *
 * @param destination - Where the redacted lines go.
 * @returns A destination for `pino(options, destination)`.
 */
export function redactingDestination(destination: DestinationStream): DestinationStream {
  return {
    write(line: string): void {
      destination.write(line.replace(PASSWORD_IN_URL, '$1:***@'));
    },
  };
}
