import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/model/run/backend.js';
import { CLI, parseJsonLines, runCli } from '../support/cli.js';
import { saveSeedModel } from '../support/models.js';
import {
  ffmpegProcessesRunning,
  makeAudioOnly,
  makeEmptyFile,
  makeTextFile,
  makeTruncatedMp4,
  makeVideo,
} from '../support/videos.js';

interface Stats {
  frames: number;
  windows: number;
  encoded: number;
  cacheHits: number;
  seconds: number;
  fps: number;
  backend: string;
}

function lastJsonLine<T>(text: string): T {
  const lines = text.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

describe('framewise label', () => {
  let video: string;
  let model: string;

  beforeAll(async () => {
    await useBackend('cpu');
    video = await makeVideo({
      source: 'mandelbrot',
      width: 64,
      height: 48,
      fps: 25,
      seconds: 2,
      codec: 'h264-mp4',
    });
    ({ dir: model } = await saveSeedModel({ height: 24, width: 24, timeSteps: 4 }));
  });

  it('--stats: with the cache every frame goes through the CNN once', async () => {
    const { code, stdout, stderr } = await runCli(['label', video, '--model', model, '--stats']);
    expect(code).toBe(0);
    const stats = lastJsonLine<Stats>(stderr);
    expect(stats.frames).toBe(50);
    expect(stats.windows).toBe(47);
    expect(stats.encoded).toBe(stats.frames);
    expect(stats.cacheHits).toBe(47 * 4 - 50);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(stats.backend);
    expect(stats.fps).toBeGreaterThan(0);
    expect(parseJsonLines(stdout)).toHaveLength(47);
  });

  it('--no-cache encodes windows × N frames and gives the same labels', async () => {
    const cached = await runCli(['label', video, '--model', model, '--stride', '2']);
    const { code, stdout, stderr } = await runCli([
      'label',
      video,
      '--model',
      model,
      '--stride',
      '2',
      '--no-cache',
      '--stats',
    ]);
    expect(code).toBe(0);
    const stats = lastJsonLine<Stats>(stderr);
    expect(stats.windows).toBe(24);
    expect(stats.encoded).toBe(stats.windows * 4);
    expect(stats.cacheHits).toBe(0);
    expect(stdout).toBe(cached.stdout);
  });

  it('--fps, --start and --duration select and time the frames', async () => {
    const { code, stdout } = await runCli([
      'label',
      video,
      '--model',
      model,
      '--fps',
      '10',
      '--start',
      '0.5',
      '--duration',
      '1',
    ]);
    expect(code).toBe(0);
    const labels = parseJsonLines<{ frame: number; t: number }>(stdout);
    expect(labels.map((l) => l.frame)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    labels.forEach((l) => expect(l.t).toBeCloseTo(0.5 + l.frame / 10, 2));
  });

  it('environment variables set options and flags win over them', async () => {
    const fromEnv = await runCli(['label', video, '--model', model], { FRAMEWISE_STRIDE: '5' });
    expect(
      parseJsonLines<{ frame: number }>(fromEnv.stdout)
        .map((l) => l.frame)
        .slice(0, 3),
    ).toEqual([3, 8, 13]);
    const flagWins = await runCli(['label', video, '--model', model, '--stride', '10'], {
      FRAMEWISE_STRIDE: '5',
    });
    expect(
      parseJsonLines<{ frame: number }>(flagWins.stdout)
        .map((l) => l.frame)
        .slice(0, 2),
    ).toEqual([3, 13]);
  });

  it('--format pretty prints a timeline of segments', async () => {
    const { code, stdout } = await runCli(['label', video, '--model', model, '--format', 'pretty']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d\d:\d\d\.\d{3}–\d\d:\d\d\.\d{3} {2}class \d/m);
  });

  it('--backend cpu runs on the cpu backend; an unavailable backend exits 2 saying why', async () => {
    const cpu = await runCli(['label', video, '--model', model, '--backend', 'cpu', '--stats']);
    expect(cpu.code).toBe(0);
    expect(lastJsonLine<Stats>(cpu.stderr).backend).toBe('cpu');
    const tensorflow = await runCli([
      'label',
      video,
      '--model',
      model,
      '--backend',
      'tensorflow',
      '--stats',
    ]);
    // tfjs-node is optional: where it installed it runs, elsewhere the refusal is clear.
    if (tensorflow.code === 0) {
      expect(lastJsonLine<Stats>(tensorflow.stderr).backend).toBe('tensorflow');
    } else {
      expect(tensorflow.code).toBe(2);
      expect(tensorflow.stderr).toMatch(
        /backend tensorflow is not available .*install @tensorflow\/tfjs-node/,
      );
    }
  });

  it('exits 0 and leaves no ffmpeg when the reader of its output goes away', async () => {
    const long = await makeVideo({
      source: 'testsrc2',
      width: 64,
      height: 48,
      fps: 25,
      seconds: 60,
      codec: 'h264-mp4',
    });
    const child = spawn(process.execPath, [CLI, 'label', long, '--model', model], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(0);
    expect(ffmpegProcessesRunning()).toBe(0);
  });

  describe('bad input exits 2 with one clear line and leaves no ffmpeg behind', () => {
    const cases: [string, () => Promise<string[]>, RegExp][] = [
      [
        'a missing file',
        async () => ['label', '/nonexistent/clip.mp4'],
        /not found|does not exist/i,
      ],
      ['a text file', async () => ['label', await makeTextFile()], /not a video|invalid data/i],
      [
        'a zero-byte file',
        async () => ['label', await makeEmptyFile()],
        /empty|not a video|invalid/i,
      ],
      ['a truncated mp4', async () => ['label', await makeTruncatedMp4()], /truncated|corrupt/i],
      ['an audio-only file', async () => ['label', await makeAudioOnly()], /no video stream/i],
      [
        'a model directory without model.json',
        async () => ['label', video, '--model', await mkdtemp(join(tmpdir(), 'fw-empty-model-'))],
        /model\.json/,
      ],
      [
        '--window 0',
        async () => ['label', video, '--window', '0'],
        /window must be an integer >= 1 and <= 1024, got "0"/,
      ],
      [
        'an unknown option',
        async () => ['label', video, '--frobnicate'],
        /unknown option '--frobnicate'/i,
      ],
      ['no input', async () => ['label'], /exactly one input/],
      [
        'a bad --mode',
        async () => ['label', video, '--mode', 'sideways'],
        /mode must be one of window, stateful/,
      ],
    ];
    it.each(cases)('%s', async (_name, makeArgs, message) => {
      const args = await makeArgs();
      const { code, stdout, stderr } = await runCli([
        ...args,
        ...(args.includes('--model') ? [] : ['--model', model]),
      ]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(message);
      expect(ffmpegProcessesRunning()).toBe(0);
    });
  });
});
