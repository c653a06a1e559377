import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonLines } from '../support/cli.js';
import { makeVideo } from '../support/videos.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** npm installs the tarball's dependencies from its cache (filled by `npm ci`) where it can. */
const INSTALL_TIMEOUT_MS = 180_000;

/**
 * What the package may hold: the compiled library and worker, the bundled model, the schema,
 * the dashboard's pages.
 */
const SHIPPED =
  /^(dist\/src\/|dist\/workers\/|models\/demo\/|schema\/|web\/|package\.json$|README\.md$|LICENSE$|CHANGELOG\.md$)/;

interface PackedFile {
  readonly path: string;
}

describe('the npm package', () => {
  let dir: string;
  let tarball: string;
  let files: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'framewise-package-'));
    // No prepare script: `npm test` has built dist/, and a rebuild would pull it from under
    // the tests running beside this one.
    const { stdout } = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
      { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
    );
    const [packed] = JSON.parse(stdout) as [{ filename: string; files: PackedFile[] }];
    tarball = join(dir, packed.filename);
    files = packed.files.map((file) => file.path);
  }, INSTALL_TIMEOUT_MS);

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('holds the library, the worker, the bundled model, the job schema and the dashboard, and nothing else', () => {
    expect(files.filter((path) => !SHIPPED.test(path))).toEqual([]);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/src/cli/main.js',
        'dist/src/index.js',
        'dist/src/index.d.ts',
        'dist/src/model/encoder-thread.js',
        'dist/workers/video-worker.js',
        'models/demo/model.json',
        'schema/video-job.schema.json',
        'web/index.html',
        'web/job.html',
        'web/timeline.js',
        'web/style.css',
      ]),
    );
    const lab =
      /scripts\/|bench\/|lab\/|test\/|fixtures|synth|cut-dataset|render-shots|histogram-encoder|change-layer/;
    expect(files.filter((path) => lab.test(path))).toEqual([]);
  });

  it(
    'labels a video with the bundled model on ONNX Runtime once installed in an empty folder',
    async () => {
      const app = join(dir, 'app');
      await mkdir(app);
      await writeFile(join(app, 'package.json'), '{ "name": "app", "private": true }\n');
      // As the README says to install where only the npm registry answers: onnxruntime-node's
      // install script would fetch its optional GPU binaries (without, npm drops the package,
      // and the encoder falls back to TensorFlow.js).
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
        cwd: app,
        timeout: INSTALL_TIMEOUT_MS,
        env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
      });
      const video = await makeVideo({
        source: 'testsrc2',
        width: 160,
        height: 120,
        fps: 25,
        seconds: 1,
        codec: 'h264-mp4',
      });
      const bin = join(app, 'node_modules', '.bin', 'framewise');
      const { stdout, stderr } = await run(bin, ['label', video, '--stats'], {
        cwd: app,
        env: { PATH: process.env.PATH },
      });
      const labels = parseJsonLines<{ frame: number; name: string }>(stdout);
      expect(labels.map((label) => label.frame)).toEqual(
        Array.from({ length: 22 }, (_, i) => i + 3),
      );
      expect(labels.every((label) => ['cut', 'same shot'].includes(label.name))).toBe(true);
      const stats = JSON.parse(stderr.trim().split('\n').at(-1)!) as {
        frames: number;
        engine: string;
      };
      expect(stats).toMatchObject({ frames: 25, engine: 'onnx' });
    },
    INSTALL_TIMEOUT_MS + 60_000,
  );
});
