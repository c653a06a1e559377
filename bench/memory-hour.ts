import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_LABEL_OPTIONS } from '../src/options/label-options.js';
import type { LoadedModel } from '../src/model/load-model.js';
import { emptyCounters } from '../src/pipeline/label-frames.js';
import type { BatchEncoder } from '../src/model/run/batch-encoder.js';
import { labelVideo } from '../src/pipeline/label-video.js';
import { findFfmpeg } from '../src/decode/find-ffmpeg.js';

/** Memory at one point of the run. */
export interface MemorySample {
  /** Share of the frames labeled, 0–1. */
  readonly at: number;
  readonly rssMiB: number;
  readonly tensors: number;
}

/** Where the run is sampled: 10%, 50% and 100% of its frames. */
const SAMPLE_AT = [0.1, 0.5, 1] as const;

/**
 * An hour-long clip made of `piece` repeated, joined without re-encoding (seconds, not
 * minutes, to make); cached in `dir`.
 */
export async function makeHourClip(
  piece: string,
  pieceSeconds: number,
  dir: string,
): Promise<string> {
  const out = join(dir, `${basename(piece, '.mp4')}-hour.mp4`);
  if (existsSync(out)) return out;
  const list = join(dir, 'hour.txt');
  const lines = Array.from({ length: Math.ceil(3600 / pieceSeconds) }, () => `file '${piece}'`);
  await writeFile(list, `${lines.join('\n')}\n`);
  const ffmpeg = await findFfmpeg();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      ffmpeg.path,
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-f',
        'concat',
        '-safe',
        '0',
        '-i',
        list,
        '-c',
        'copy',
        out,
      ],
      { stdio: 'ignore' },
    );
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`)),
    );
  });
  await rm(list);
  return out;
}

/**
 * Labels `clip` (of `frames` frames) at full speed in window mode, with `encoder` or the
 * model's own on the main thread, and samples RSS and `tf.memory().numTensors` at 10%, 50% and
 * 100% of its frames.
 */
export async function memoryOverRun(
  model: LoadedModel,
  clip: string,
  frames: number,
  encoder?: BatchEncoder,
): Promise<{ samples: MemorySample[]; fps: number }> {
  const samples: MemorySample[] = [];
  const counters = emptyCounters();
  const started = performance.now();
  const controls = { counters, ...(encoder === undefined ? {} : { encoder }) };
  for await (const label of labelVideo(clip, model, DEFAULT_LABEL_OPTIONS, controls)) {
    const next = SAMPLE_AT[samples.length];
    if (next !== undefined && label.frame + 1 >= next * frames) {
      samples.push({
        at: next,
        rssMiB: process.memoryUsage().rss / 1024 / 1024,
        tensors: tf.memory().numTensors,
      });
    }
  }
  // The last label is one window short of the last frame: sample the end if not done yet.
  if (samples.length < SAMPLE_AT.length) {
    samples.push({
      at: 1,
      rssMiB: process.memoryUsage().rss / 1024 / 1024,
      tensors: tf.memory().numTensors,
    });
  }
  return { samples, fps: counters.frames / ((performance.now() - started) / 1000) };
}
