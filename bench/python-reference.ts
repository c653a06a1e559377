/**
 * The Python reference of issue #6, run by `npm run bench` beside `framewise label`: the script
 * `python-reference.py` (PyTorch + OpenCV) needs a Python that imports torch and cv2.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../src/model/load/bundled-model.js';

/** Pythons tried, in order, after `FRAMEWISE_BENCH_PYTHON`: Debian's packages go to /usr/bin. */
const PYTHON_CANDIDATES = ['python3', '/usr/bin/python3'];
/** The script, from the package root: the bench runs from dist/ and the script is not built. */
const REFERENCE_SCRIPT = join(packageRoot(), 'bench', 'python-reference.py');

/**
 * The first Python that imports `modules` (torch and cv2 by default), or undefined when there
 * is none.
 */
export function findPython(modules = 'torch, cv2'): string | undefined {
  const fromEnv = process.env.FRAMEWISE_BENCH_PYTHON;
  const candidates = fromEnv === undefined ? PYTHON_CANDIDATES : [fromEnv, ...PYTHON_CANDIDATES];
  return candidates.find(
    (python) => spawnSync(python, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0,
  );
}

/** What the reference script reports on stderr at the end. */
export interface ReferenceStats {
  /** Frames decoded and labeled. */
  readonly frames: number;
  /** Frames per second of wall time, from opening the video to the last label written. */
  readonly fps: number;
  /** PyTorch's version. */
  readonly torch: string;
  /** OpenCV's version. */
  readonly opencv: string;
  /** PyTorch's intra-op threads. */
  readonly threads: number;
}

/** Runs the reference script on `video` (N=4, stride 1) and returns its statistics. */
export function referenceFps(
  python: string,
  video: string,
  extra: readonly string[] = [],
): ReferenceStats {
  const result = spawnSync(python, [REFERENCE_SCRIPT, video, '--window', '4', ...extra], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`the Python reference failed: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as ReferenceStats;
}
