import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { InputError } from '../errors.js';

/**
 * Checks a local input before ffmpeg is spawned, so that the common mistakes get a clear
 * message without a child process: missing, unreadable, a directory, or empty (0 bytes; ffmpeg
 * would report it as a misdetected MP4). Devices and FIFOs pass: ffmpeg can read cameras.
 *
 * @param path - Absolute path of the input.
 * @param input - The input as the user gave it, for messages.
 *   @defaultValue `path`
 * @throws {@link InputError} `FW_ERR_INPUT_NOT_FOUND` or `FW_ERR_NOT_A_VIDEO`.
 */
export async function checkLocalInput(path: string, input: string = path): Promise<void> {
  let stats;
  try {
    stats = await stat(path);
  } catch (error) {
    throw notFound(input, error);
  }
  if (stats.isDirectory()) {
    throw new InputError(
      'FW_ERR_NOT_A_VIDEO',
      `input is a directory, not a video file: ${input}; give the path of a video file`,
    );
  }
  if (stats.isFile() && stats.size === 0) {
    throw new InputError(
      'FW_ERR_NOT_A_VIDEO',
      `input is empty (0 bytes): ${input}; give a video file`,
    );
  }
  try {
    await access(path, fsConstants.R_OK);
  } catch (error) {
    throw notFound(input, error);
  }
}

function notFound(input: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === 'EACCES' || code === 'EPERM'
      ? `input not readable (permission denied): ${input}; check its permissions`
      : code === 'ELOOP'
        ? `input is a loop of symbolic links: ${input}; point it at a video file`
        : code === 'ENOTDIR'
          ? `input not found: ${input} (a part of its path is a file, not a directory); check the path`
          : `input not found: ${input}; check the path`;
  return new InputError('FW_ERR_INPUT_NOT_FOUND', message, { cause: error });
}
