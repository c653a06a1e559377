import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { InputError, UrlRefusedError, UsageError } from '../errors.js';

const MEDIA_ROOT_HINT = 'copy it under a media root, or add its directory with --media-root DIR';

/**
 * Requires a local file to lie under one of the media roots and returns its real path. The
 * absolute path is checked as written first (so `..` escapes are refused without touching the
 * file system outside the roots), then again after `realpath`, so a symlink leading out of a
 * root is refused too. "Under" is decided per path segment: `/media2/a` is not under `/media`.
 *
 * @param path - Absolute path of the file.
 * @param mediaRoots - Directories files must lie under; relative ones are resolved against
 *   `cwd`. Empty: every file is refused.
 * @param cwd - Directory relative media roots are resolved against.
 * @param shown - The input as it may appear in messages.
 * @returns The real path of the file (symlinks resolved).
 * @throws {@link UrlRefusedError} when the file is outside every root or no root is set.
 * @throws {@link InputError} `FW_ERR_INPUT_NOT_FOUND` when the file under a root is missing.
 * @throws {@link UsageError} when a media root does not exist.
 */
export async function confineToMediaRoots(
  path: string,
  mediaRoots: readonly string[],
  cwd: string,
  shown: string,
): Promise<string> {
  if (mediaRoots.length === 0) {
    throw new UrlRefusedError(
      `refused file ${shown}: local files must lie under a --media-root (none is set); start the worker with --media-root DIR`,
    );
  }
  const roots = await Promise.all(mediaRoots.map((root) => realRoot(resolve(cwd, root))));
  const listed = roots.map((root) => root.real).join(', ');
  if (!roots.some((root) => isUnder(path, root.given) || isUnder(path, root.real))) {
    throw new UrlRefusedError(
      `refused file ${shown}: it is not under a media root (${listed}); ${MEDIA_ROOT_HINT}`,
    );
  }
  const real = await realFile(path, shown);
  if (!roots.some((root) => isUnder(real, root.real))) {
    throw new UrlRefusedError(
      `refused file ${shown}: it resolves to ${real}, which is not under a media root (${listed}); ${MEDIA_ROOT_HINT}`,
    );
  }
  return real;
}

async function realRoot(given: string): Promise<{ given: string; real: string }> {
  try {
    return { given, real: await realpath(given) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new UsageError(
      `media root ${given} cannot be resolved (${code}); give --media-root an existing directory`,
      { cause: error },
    );
  }
}

async function realFile(path: string, shown: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    throw new InputError('FW_ERR_INPUT_NOT_FOUND', `input not found: ${shown}; check the path`, {
      cause: error,
    });
  }
}

function isUnder(path: string, root: string): boolean {
  const rest = relative(root, path);
  return rest === '' || (rest !== '..' && !rest.startsWith('../') && !isAbsolute(rest));
}
