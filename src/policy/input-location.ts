import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';

/** Where an input lives and how ffmpeg is told to open it. */
export interface InputLocation {
  /** The input as given (used in messages). */
  readonly input: string;
  /** What ffmpeg gets after `-i`. */
  readonly ffmpegInput: string;
  /** Absolute path of a local file; undefined for URLs. */
  readonly path?: string;
  /** Lower-case URL scheme of a remote input (`http`, `rtsp`, …); undefined for local files. */
  readonly protocol?: string;
}

// Two or more characters, so that a Windows drive letter (`C:\…`) is not taken for a scheme.
const URL_SCHEME = /^([a-z][a-z0-9+.-]+):/i;

/**
 * Tells local files from URLs. A `file://` URL becomes a path. A local path is made absolute
 * and passed to ffmpeg as `file:<path>`, so that a name containing `:` is not read as a
 * protocol. Anything else with a scheme goes to ffmpeg as given: ffmpeg decides which protocols
 * it supports (an unknown one fails with `FW_ERR_UNKNOWN_PROTOCOL`).
 *
 * @throws {@link InputError} `FW_ERR_INPUT_NOT_FOUND` for an empty input or a malformed
 *   `file:` URL.
 */
export function resolveInput(input: string): InputLocation {
  if (input === '') {
    throw new InputError('FW_ERR_INPUT_NOT_FOUND', 'input is empty; give a file path or a URL');
  }
  const scheme = URL_SCHEME.exec(input)?.[1]?.toLowerCase();
  if (scheme === 'file') {
    let path: string;
    try {
      path = fileURLToPath(input);
    } catch (error) {
      throw new InputError(
        'FW_ERR_INPUT_NOT_FOUND',
        `input is not a valid file URL: ${input}; use file:///absolute/path or a plain path`,
        { cause: error },
      );
    }
    return { input, ffmpegInput: `file:${path}`, path };
  }
  if (scheme !== undefined) return { input, ffmpegInput: input, protocol: scheme };
  const path = resolve(input);
  return { input, ffmpegInput: `file:${path}`, path };
}
