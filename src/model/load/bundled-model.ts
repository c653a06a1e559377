import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root directory, found by walking up from this file to framewise's
 * package.json: the same from the TypeScript sources and from the compiled `dist/`.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'framewise'
    ) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('framewise package.json not found above ' + import.meta.url);
    dir = parent;
  }
}

/** Directory of the demo model shipped in the package, the default of `--model`. */
export function bundledModelDir(): string {
  return join(packageRoot(), 'models', 'demo');
}
