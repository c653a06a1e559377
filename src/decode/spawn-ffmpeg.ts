import { spawn, type ChildProcess } from 'node:child_process';
import { FfmpegError } from '../errors.js';
import type { FfmpegBinary } from './find-ffmpeg.js';

/**
 * Starts ffmpeg with `args` (no shell, stdin closed, stdout and stderr piped) and resolves once
 * the process runs. The child's streams are not read yet: they buffer until the caller listens.
 *
 * @throws {@link FfmpegError} `FW_ERR_FFMPEG_NOT_FOUND` when the binary cannot be started.
 */
export function spawnFfmpeg(ffmpeg: FfmpegBinary, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(ffmpeg.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child));
    child.once('error', (error) =>
      reject(
        new FfmpegError(
          'FW_ERR_FFMPEG_NOT_FOUND',
          `cannot start ffmpeg at ${ffmpeg.path} (${error.message}); set FFMPEG_PATH to an ffmpeg executable`,
          { cause: error },
        ),
      ),
    );
  });
}
