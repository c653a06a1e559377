import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/pytorch/video_classifier.py', import.meta.url));
/** Debian's Python: the one python3-torch is installed for. */
const PYTHON = '/usr/bin/python3';

/**
 * Why the PyTorch tests cannot run here (Debian's python3-torch is missing), or undefined when
 * they can. `.ci/run` installs it, so CI always runs them.
 */
export const pytorchMissing: string | undefined = (() => {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const why = probe.error?.message ?? probe.stderr.trim().split('\n').at(-1) ?? 'failed';
  return `${PYTHON} cannot import torch and numpy (${why}): apt-get install python3-torch python3-numpy`;
})();

/** The PyTorch example's frame side, window and classes (scripts/pytorch/video_classifier.py). */
export const PYTORCH_MODEL = { side: 48, window: 4, classNames: ['still', 'moving'] } as const;

/** What PyTorch itself computes for a run of frames. */
export interface PytorchReference {
  /** Window mode: the probabilities of each window of `window` frames, from the first whole one. */
  readonly windows: number[][];
  /** Stateful mode: the probabilities after frames 0…end, for each end from `window` − 1 on. */
  readonly stateful: number[][];
}

async function python(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(PYTHON, [SCRIPT, ...args], { maxBuffer: 64 << 20 });
    return stdout;
  } catch (error) {
    throw new Error(
      `${SCRIPT} failed (${String(error)}); it needs Debian's python3-torch (.ci/run installs it)`,
    );
  }
}

/**
 * Exports the PyTorch example as an ONNX model directory (torch.onnx.export); returns it.
 * `stateless` leaves the head's state inputs and outputs out (window mode only).
 */
export async function exportPytorchModel(options: { stateless?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'framewise-pytorch-'));
  await python(['export', dir, ...(options.stateless === true ? ['--stateless'] : [])]);
  return dir;
}

/** PyTorch's own probabilities for `frames` (RGB, side × side), window and stateful. */
export async function pytorchReference(
  frames: readonly Uint8Array[],
  window: number = PYTORCH_MODEL.window,
): Promise<PytorchReference> {
  const dir = await mkdtemp(join(tmpdir(), 'framewise-pytorch-frames-'));
  const path = join(dir, 'frames.raw');
  await writeFile(path, Buffer.concat(frames));
  return JSON.parse(
    await python(['reference', path, String(frames.length), String(window)]),
  ) as PytorchReference;
}
