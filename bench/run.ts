/**
 * `npm run bench`: throughput of `framewise label` against its parts, from one run on this
 * machine. Generates a 720p and a 240p H.264 clip, then measures for each: ffmpeg
 * decode-and-scale alone, the CNN encoder alone, `label` end to end (seed model, N=4, stride 1)
 * and `label --no-cache`; a real backbone (MobileNetV2 at 224×224) next to the seed model; and,
 * when a Python with PyTorch and OpenCV is found, the straightforward
 * script the issue compares against (`bench/python-reference.py`) on the same clips, in the same
 * rounds. Prints Markdown tables; ratios are the numbers to compare.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend } from '../src/model/run/backend.js';
import { packageRoot } from '../src/model/load/bundled-model.js';
import { DEFAULT_ONNX_THREADS, DEFAULT_THREADS } from '../src/options/engine-options.js';
import { EncoderPool } from '../src/model/run/encoder-pool.js';
import { loadModel } from '../src/model/load-model.js';
import { startOnnxEncoder } from '../src/model/onnx-engine.js';
import { saveModelToDirectory } from '../src/model/load/model-files.js';
import { buildSeedModel } from '../src/train/seed-model.js';
import { buildFfmpegArgs } from '../src/decode/ffmpeg-args.js';
import { MAX_DECODE_AHEAD_FRAMES } from '../src/decode/frame-source-options.js';
import { findFfmpeg } from '../src/decode/find-ffmpeg.js';
import { renderShots } from '../test/support/render-shots.js';
import { BACKBONE_SECONDS, backboneCost, MOBILENET_SIDE } from './backbone-cost.js';
import { BATCH, encoderFps } from './encoder-fps.js';
import { liveLatency } from './live-latency.js';
import { makeHourClip, memoryOverRun } from './memory-hour.js';
import { findPython, referenceFps } from './python-reference.js';
import { queueRun } from './queue-throughput.js';

/**
 * Runs of each end-to-end measurement (decode, label and its variants, queue vs label): the
 * table shows their medians. Machines of this type are shared; a single run can be 30% off.
 */
const ROUNDS = 3;
/** Length of each benchmark clip, in seconds: long enough to dwarf start-up costs. */
const CLIP_SECONDS = 20;
const CLIP_FPS = 30;
/**
 * Bitrate caps of the clips, kbit/s: what a camera or a streaming site sends at these sizes
 * (H.264, 30 fps). Uncapped, the noisy lavfi sources take 13 Mbit/s at 720p, several times
 * real video, and decode at half the speed.
 */
const CAMERA_KBPS = { '720p': 4000, '240p': 800 } as const;
/** The seed model's frame side. */
const SIDE = 99;
/** Short files of the queue benchmark: several jobs, so two workers have work to share. */
const QUEUE_FILES = 8;
const QUEUE_FILE_SECONDS = 5;
/** Stream time of the live latency measurement, in seconds, after its warm-up. */
const LIVE_SECONDS = 30;
const LIVE_FPS = 30;
/** Frames the encoder-only measurement runs. */
const ENCODER_FRAMES = 960;

const root = packageRoot();
const cacheDir = join(root, '.cache', 'bench');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

interface Clip {
  readonly name: string;
  readonly path: string;
}

async function makeClip(
  name: string,
  width: number,
  height: number,
  maxKbps: number,
  seconds = CLIP_SECONDS,
): Promise<Clip> {
  const path = join(cacheDir, `${name}-${maxKbps}k.mp4`);
  if (!existsSync(path)) {
    const shot = seconds / 4;
    await renderShots({
      out: path,
      width,
      height,
      fps: CLIP_FPS,
      maxKbps,
      shots: [
        { source: 'testsrc2', seconds: shot },
        { source: 'mandelbrot', seconds: shot },
        { source: 'life=mold=10:ratio=0.5', seconds: shot },
        { source: 'cellauto=rule=110', seconds: shot },
      ],
    });
  }
  return { name, path };
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function decodeOnly(clip: Clip): Promise<number> {
  const ffmpeg = await findFfmpeg();
  // The same ffmpeg command as `label`'s, decode-ahead queue included.
  const args = buildFfmpegArgs({
    input: clip.path,
    width: SIDE,
    height: SIDE,
    channels: 3,
    decodeAheadFrames: ffmpeg.fifoMuxer ? MAX_DECODE_AHEAD_FRAMES : 0,
  });
  const started = performance.now();
  const bytes = await new Promise<number>((resolve, reject) => {
    const child = spawn(ffmpeg.path, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let total = 0;
    child.stdout.on('data', (chunk: Buffer) => (total += chunk.length));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(total) : reject(new Error(`ffmpeg exited ${code}`)),
    );
  });
  return bytes / (SIDE * SIDE * 3) / ((performance.now() - started) / 1000);
}

/** The encoder alone on `threads` worker threads, batches of {@link BATCH}, all queued at once. */
async function encoderThreads(modelDir: string, threads: number): Promise<number> {
  const pool = await EncoderPool.start({
    location: modelDir,
    threads,
    backend: 'wasm',
    maxBatchFrames: BATCH,
  });
  try {
    const frames = Array.from({ length: BATCH }, (_, i) =>
      Uint8Array.from({ length: SIDE * SIDE * 3 }, (_, j) => (i * 7 + j * 13) & 0xff),
    );
    await Promise.all(Array.from({ length: threads }, () => pool.encode(frames))); // warm-up
    const started = performance.now();
    const batches = Array.from({ length: ENCODER_FRAMES / BATCH }, () => pool.encode(frames));
    await Promise.all(batches);
    return ENCODER_FRAMES / ((performance.now() - started) / 1000);
  } finally {
    await pool.close();
  }
}

function labelFps(
  clip: Clip,
  modelDir: string,
  extra: string[] = [],
): { fps: number; backend: string; engine: string; threads: number } {
  const result = spawnSync(
    process.execPath,
    [
      cli,
      'label',
      clip.path,
      '--model',
      modelDir,
      '--window',
      '4',
      '--stride',
      '1',
      '--stats',
      ...extra,
    ],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`label failed: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  const stats = JSON.parse(lines[lines.length - 1]!) as {
    fps: number;
    backend: string;
    engine: string;
    threads: number;
  };
  return stats;
}

const ffmpeg = await findFfmpeg();
const python = findPython();
const modelDir = join(cacheDir, 'seed-model');
if (!existsSync(join(modelDir, 'model.json'))) {
  await useBackend('cpu');
  const seed = buildSeedModel({ seed: 1 });
  await saveModelToDirectory(seed, modelDir);
  // Disposed, or its weights count in the memory run's tf.memory().numTensors.
  seed.dispose();
}
const clips = [
  await makeClip('720p', 1280, 720, CAMERA_KBPS['720p']),
  await makeClip('240p', 426, 240, CAMERA_KBPS['240p']),
];
const seedEncoderFps = await encoderFps(modelDir, true, ENCODER_FRAMES);
const unfoldedFps = await encoderFps(modelDir, false, ENCODER_FRAMES);
const oneThreadFps = await encoderThreads(modelDir, 1);
const twoThreadsFps = await encoderThreads(modelDir, 2);
const rows: string[] = [];
let backend = '';
let engine = '';
const labelFpsByClip = new Map<string, number>();
const referenceRows: string[] = [];
let referenceVersions = '';
for (const clip of clips) {
  const referenceRuns: number[] = [];
  const runs = { decode: [] as number[], cached: [] as number[], uncached: [] as number[] };
  const tfjsRuns: number[] = [];
  // Rounds interleave the variants, so that a slow spell of the machine hits all of them.
  for (let round = 0; round < ROUNDS; round++) {
    runs.decode.push(await decodeOnly(clip));
    const cachedRun = labelFps(clip, modelDir);
    backend = cachedRun.backend;
    engine = `${cachedRun.engine}, ${cachedRun.threads} threads`;
    runs.cached.push(cachedRun.fps);
    runs.uncached.push(labelFps(clip, modelDir, ['--no-cache']).fps);
    tfjsRuns.push(labelFps(clip, modelDir, ['--engine', 'tfjs']).fps);
    if (python !== undefined) {
      const reference = referenceFps(python, clip.path);
      referenceVersions = `PyTorch ${reference.torch} (${reference.threads} threads), OpenCV ${reference.opencv}`;
      referenceRuns.push(reference.fps);
    }
  }
  const decodeFps = median(runs.decode);
  const cached = { fps: median(runs.cached) };
  labelFpsByClip.set(clip.name, cached.fps);
  const uncached = { fps: median(runs.uncached) };
  const tfjs = { fps: median(tfjsRuns) };
  const bound = Math.min(decodeFps, twoThreadsFps);
  if (referenceRuns.length > 0) {
    const reference = median(referenceRuns);
    referenceRows.push(
      `| ${clip.name} | ${reference.toFixed(0)} | ${cached.fps.toFixed(0)} | ${(cached.fps / reference).toFixed(2)}× | ` +
        `${(reference / decodeFps).toFixed(2)} | ${(cached.fps / decodeFps).toFixed(2)} |`,
    );
  }
  rows.push(
    `| ${clip.name} | ${decodeFps.toFixed(0)} | ${twoThreadsFps.toFixed(0)} | ${cached.fps.toFixed(0)} | ` +
      `${(cached.fps / bound).toFixed(2)} | ${(cached.fps / decodeFps).toFixed(2)} | ` +
      `${tfjs.fps.toFixed(0)} | ${(cached.fps / tfjs.fps).toFixed(2)}× | ` +
      `${uncached.fps.toFixed(0)} | ${(cached.fps / uncached.fps).toFixed(2)}× |`,
  );
}
const cpus = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim();
process.stdout.write(
  `framewise bench: seed model (${SIDE}×${SIDE}×3, N=4, stride 1, LSTM 32), ${CLIP_SECONDS} s H.264 clips at ` +
    `${CLIP_FPS} fps; backend ${backend}; ffmpeg ${ffmpeg.version} (${ffmpeg.origin}); ${cpus} cores; frames/s; decode and label: medians of ${ROUNDS} interleaved runs\n` +
    `encoder only, batch ${BATCH}, main thread: ${seedEncoderFps.toFixed(0)} rewritten for inference (BatchNorm folded, whole-frame pooling), ${unfoldedFps.toFixed(0)} as loaded ` +
    `(${(seedEncoderFps / unfoldedFps).toFixed(2)}×); folded on worker threads: 1 thread ${oneThreadFps.toFixed(0)}, ` +
    `2 threads ${twoThreadsFps.toFixed(0)} (${(twoThreadsFps / oneThreadFps).toFixed(2)}×)\n\n` +
    `| clip | decode only | encoder only (TF.js, 2 threads) | label (${engine}) | label ÷ slower part | label ÷ decode | label --engine tfjs (${DEFAULT_THREADS} encoder thread) | ${engine} ÷ tfjs | label --no-cache | cache speed-up |\n` +
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n' +
    `${rows.join('\n')}\n`,
);
process.stdout.write(
  python === undefined
    ? '\nPython reference: not run (no Python here imports torch and cv2; on Debian: apt-get install python3-torch python3-opencv, or set FRAMEWISE_BENCH_PYTHON)\n'
    : `\nPython reference (bench/python-reference.py: OpenCV decode, INTER_AREA resize, the seed model in ${referenceVersions}, embeddings cached; median of ${ROUNDS}, in the same rounds):\n\n` +
        '| clip | reference | label | label ÷ reference | reference ÷ decode | label ÷ decode |\n| --- | ---: | ---: | ---: | ---: | ---: |\n' +
        `${referenceRows.join('\n')}\n`,
);

// Queue mode: the same model behind BullMQ, one vs two worker processes, several short files.
const shortClip = await makeClip('240p-short', 426, 240, CAMERA_KBPS['240p'], QUEUE_FILE_SECONDS);
const files = Array.from({ length: QUEUE_FILES }, () => shortClip.path);
const single = labelFps(shortClip, modelDir);
const queueRows = [];
for (const workers of [1, 2]) {
  const run = await queueRun(workers, files, modelDir, shortClip.path);
  const fps = run.frames / run.seconds;
  queueRows.push(
    `| ${workers} | ${run.jobs} × ${QUEUE_FILE_SECONDS} s 240p | ${run.frames} | ${run.seconds.toFixed(2)} | ${fps.toFixed(0)} | ${(fps / single.fps).toFixed(2)} |`,
  );
}
process.stdout.write(
  '\nQueue mode (`framewise worker` processes, each warmed by one job, then jobs added at once; last column: ÷ `label` on one of the files):\n\n' +
    '| worker processes | jobs | frames | seconds | frames/s | ÷ label |\n| ---: | --- | ---: | ---: | ---: | ---: |\n' +
    `${queueRows.join('\n')}\n`,
);

// Queue mode on one file: what the queue adds to `label` on the same 20 s 240p clip.
const clip240 = clips[1]!;
const oneJobRuns: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const oneJob = await queueRun(1, [clip240.path], modelDir, shortClip.path);
  oneJobRuns.push(oneJob.frames / oneJob.seconds);
}
const oneJobFps = median(oneJobRuns);
process.stdout.write(
  `\nQueue vs label on one file (${clip240.name}, ${CLIP_SECONDS} s): worker ${oneJobFps.toFixed(0)} frames/s ` +
    `(worker warmed by one job; from enqueue to completion; median of ${ROUNDS}), label ${labelFpsByClip.get(clip240.name)!.toFixed(0)}: ` +
    `${(oneJobFps / labelFpsByClip.get(clip240.name)!).toFixed(2)}×\n`,
);

// In-process runs: live latency, then an hour of 240p at full speed for memory.
await useBackend('wasm');
const model = await loadModel(modelDir);
const pool = await EncoderPool.start({
  location: modelDir,
  threads: DEFAULT_THREADS,
  backend: 'wasm',
});
const liveRows = [];
for (const [name, encoder] of [
  ['main thread', undefined],
  [`${DEFAULT_THREADS} encoder thread(s), the default`, pool],
] as const) {
  const live = await liveLatency(model, encoder, LIVE_FPS, LIVE_SECONDS);
  liveRows.push(
    `| ${name} | ${live.labels} | ${live.p50.toFixed(1)} | ${live.p95.toFixed(1)} | ${live.max.toFixed(1)} | ${live.dropped} |`,
  );
}
await pool.close();
process.stdout.write(
  `\nLive: ${LIVE_FPS} fps MPEG-TS over HTTP (640×360, local camera stand-in), stateful, ${LIVE_SECONDS} s after warm-up; ` +
    'capture-to-label latency in ms:\n\n' +
    '| encoder | labels | p50 | p95 | max | dropped |\n| --- | ---: | ---: | ---: | ---: | ---: |\n' +
    `${liveRows.join('\n')}\n`,
);
const hour = await makeHourClip(clip240.path, CLIP_SECONDS, cacheDir);
const memory = await memoryOverRun(model, hour, 3600 * CLIP_FPS);
const onnxEncoder = await startOnnxEncoder(model, {
  threads: DEFAULT_ONNX_THREADS,
  warmUpFrames: BATCH,
});
const onnxMemory = await memoryOverRun(model, hour, 3600 * CLIP_FPS, onnxEncoder);
await onnxEncoder.close();
const memoryRows = (run: typeof memory, name: string) =>
  run.samples
    .map((s) => `| ${name} | ${(s.at * 100).toFixed(0)}% | ${s.rssMiB.toFixed(1)} | ${s.tensors} |`)
    .join('\n');
process.stdout.write(
  `\nMemory over 1 hour of 240p (${3600 * CLIP_FPS} frames) labeled at full speed, in process (TF.js on the main thread, ` +
    `so that \`tf.memory()\` sees every tensor: ${memory.fps.toFixed(0)} frames/s; ONNX Runtime, ${DEFAULT_ONNX_THREADS} threads: ${onnxMemory.fps.toFixed(0)} frames/s):\n\n` +
    '| encoder | frames labeled | RSS (MiB) | tf.memory().numTensors |\n| --- | ---: | ---: | ---: |\n' +
    `${memoryRows(memory, 'TensorFlow.js')}\n${memoryRows(onnxMemory, 'ONNX Runtime')}\n`,
);
model.dispose();

// A real backbone: what MobileNetV2 costs on each engine, and against the Python reference
// with a TorchScript-frozen encoder. Last, so that its large model does not weigh on the
// memory run's RSS.
const clip720 = clips[0]!;
const backbone = await backboneCost(
  cacheDir,
  cli,
  clip720.path,
  findPython('torch, cv2, torchvision'),
);
const ref = backbone.reference;
const vsReference = (fps: number) => (ref === undefined ? '—' : `${(fps / ref.fps).toFixed(2)}×`);
process.stdout.write(
  `\nA real backbone: MobileNetV2 (keras.applications topology, alpha 1.0, ${MOBILENET_SIDE}×${MOBILENET_SIDE}, ` +
    `${backbone.parameters.toLocaleString('en')} parameters with its LSTM 32 head); encoder only: batches of ${BATCH}; ` +
    `label: the first ${BACKBONE_SECONDS} s of the ${clip720.name} clip, median of 3 interleaved runs, each engine with its default threads:\n\n` +
    '| engine | encoder only | label | label ÷ TF.js engine | label ÷ Python reference |\n' +
    '| --- | ---: | ---: | ---: | ---: |\n' +
    `| ONNX Runtime (${DEFAULT_ONNX_THREADS} threads), the default | ${backbone.encoder.onnx.toFixed(1)} | ${backbone.label.onnx.toFixed(1)} | ` +
    `${(backbone.label.onnx / backbone.label.tfjs).toFixed(2)}× | ${vsReference(backbone.label.onnx)} |\n` +
    `| TensorFlow.js (${backend}; encoder only on the main thread, rewritten / as loaded) | ${backbone.encoder.tfjs.toFixed(1)} / ${backbone.encoder.tfjsAsLoaded.toFixed(1)} | ` +
    `${backbone.label.tfjs.toFixed(1)} | 1.00× | ${vsReference(backbone.label.tfjs)} |\n` +
    (ref === undefined
      ? '\nPython reference with MobileNetV2: not run (no Python here imports torch, cv2 and torchvision; on Debian: apt-get install python3-torch python3-torchvision python3-opencv)\n'
      : `| Python reference: OpenCV + PyTorch ${ref.torch} TorchScript-frozen (2 threads), OpenCV ${ref.opencv} | — | ${ref.fps.toFixed(1)} | ` +
        `${(ref.fps / backbone.label.tfjs).toFixed(2)}× | 1.00× |\n`),
);
