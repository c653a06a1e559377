import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The layers of src/, first to last, as docs/architecture.md draws them: a file may import from
 * its own layer and the layers before it, never from one after it, so that the data flow reads
 * one way and no import cycle crosses folders. `model` is the composition of its sub-folders.
 */
const LAYERS = [
  'errors',
  'policy',
  'decode',
  'model/load',
  'model/optimize',
  'model/translate',
  'model/run',
  'model',
  'options',
  'pipeline',
  'output',
  'metrics',
  'queue',
  'train',
  'serve',
  'cli',
  'index',
] as const;

/** Every TypeScript file under `dir`, relative to the repository root. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** The repository paths a file imports by relative specifier (`./x.js` is `x.ts`). */
function relativeImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g);
  return [...specifiers].map(([, specifier]) =>
    normalize(join(dirname(file), specifier!.replace(/\.js$/, '.ts'))),
  );
}

/** The layer of a file under src/. */
function layerOf(file: string): string {
  const parts = relative('src', file).split('/');
  if (parts.length === 1) return parts[0]!.replace(/\.ts$/, '');
  if (parts[0] === 'model' && parts.length === 3) return `model/${parts[1]}`;
  return parts[0]!;
}

describe('the source tree', () => {
  const files = sourceFiles('src');

  it('puts every file of src/ in a known layer', () => {
    const unknown = files.filter((file) => !(LAYERS as readonly string[]).includes(layerOf(file)));
    expect(unknown).toEqual([]);
  });

  it('imports only from the same layer or an earlier one', () => {
    const upward = files.flatMap((file) => {
      const rank = LAYERS.indexOf(layerOf(file) as (typeof LAYERS)[number]);
      return relativeImports(file)
        .filter((target) => target.startsWith('src/'))
        .filter((target) => LAYERS.indexOf(layerOf(target) as (typeof LAYERS)[number]) > rank)
        .map((target) => `${file} -> ${target}`);
    });
    expect(upward).toEqual([]);
  });

  it('never imports the lab, the tests, the bench or the scripts', () => {
    const outside = files.flatMap((file) =>
      relativeImports(file)
        .filter((target) => !target.startsWith('src/'))
        .map((target) => `${file} -> ${target}`),
    );
    expect(outside).toEqual([]);
  });

  it('starts the worker process through the CLI only', () => {
    expect(relativeImports('workers/video-worker.ts')).toEqual(['src/cli/run-cli.ts']);
  });
});
