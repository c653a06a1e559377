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
  const child = spawn(ffmpeg.path, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: args.includes('-http_proxy') ? withoutNoProxy(process.env) : process.env,
  });
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

/**
 * The environment without `no_proxy`: ffmpeg lets it bypass even an explicit `-http_proxy`, and
 * the egress proxy must see every connection.
 */
function withoutNoProxy(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { no_proxy: _lower, NO_PROXY: _upper, ...rest } = env;
  return rest;
}
