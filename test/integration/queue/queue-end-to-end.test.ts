import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, parseJsonLines, runCli } from '../../support/cli.js';
import { saveSeedModel } from '../../support/models.js';
import {
  deletePrefix,
  freshPrefix,
  readStream,
  REDIS_URL,
  startWorker,
  type WorkerProcess,
} from '../../support/queue.js';
import { makeVideo, ffmpegProcessesRunning } from '../../support/videos.js';
import type { LabelRecord } from '../../../src/output/jsonl-sink.js';

interface Summary {
  frames: number;
  windows: number;
  counts: Record<string, number>;
  segments: { label: string; start: number; end: number }[];
  seconds: number;
}

describe('queue mode end to end', () => {
  const prefix = freshPrefix();
  const redis = new Redis(REDIS_URL);
  const env = { REDIS_URL, FRAMEWISE_PREFIX: prefix };
  let video: string;
  let model: string;
  let worker: WorkerProcess;

  beforeAll(async () => {
    video = await makeVideo({
      source: 'mandelbrot',
      width: 64,
      height: 48,
      fps: 25,
      seconds: 4,
      codec: 'h264-mp4',
    });
    ({ dir: model } = await saveSeedModel(
      { height: 24, width: 24, timeSteps: 4, classes: 3 },
      { classNames: ['a', 'b', 'c'] },
    ));
    worker = await startWorker(
      ['--media-root', dirname(video), '--model', model, '--concurrency', '2'],
      env,
    );
  });

  afterAll(async () => {
    await worker?.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('the stream holds exactly the labels `framewise label` prints, and the summary agrees', async () => {
    const local = await runCli([
      'label',
      video,
      '--model',
      model,
      '--stride',
      '2',
      '--mode',
      'stateful',
    ]);
    expect(local.code).toBe(0);
    const expected = parseJsonLines<LabelRecord>(local.stdout);
    expect(expected.length).toBe(49);

    const added = await runCli(
      [
        'enqueue',
        video,
        '--stride',
        '2',
        '--mode',
        'stateful',
        '--media-root',
        dirname(video),
        '--wait',
      ],
      env,
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const summary = JSON.parse(added.stdout) as Summary & { id: string };

    const entries = await readStream(redis, `${prefix}:labels:${summary.id}`);
    expect(entries.map(([id]) => id)).toEqual(expected.map((l) => `${l.frame}-1`));
    entries.forEach(([, fields], i) => {
      const label = expected[i]!;
      expect(fields).toEqual({
        frame: String(label.frame),
        start: String(label.start),
        t: String(label.t),
        label: String(label.label),
        name: label.name,
        score: String(label.score),
        scores: JSON.stringify(label.scores),
      });
    });

    expect(summary.frames).toBe(100);
    expect(summary.windows).toBe(expected.length);
    const counts: Record<string, number> = {};
    for (const l of expected) counts[l.name!] = (counts[l.name!] ?? 0) + 1;
    expect(summary.counts).toEqual(counts);
    // Segments: maximal runs of equal labels, in order, each starting at its first label's t.
    const runs = expected.filter((l, i) => i === 0 || l.name !== expected[i - 1]!.name);
    expect(summary.segments.map((s) => [s.label, s.start])).toEqual(runs.map((l) => [l.name, l.t]));
    summary.segments.slice(1).forEach((s, i) => expect(s.start).toBe(summary.segments[i]!.end));

    const ttl = await redis.ttl(`${prefix}:labels:${summary.id}`);
    expect(ttl).toBeGreaterThan(7 * 24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600);

    const status = await runCli(['status', summary.id], env);
    expect(JSON.parse(status.stdout)).toMatchObject({
      id: summary.id,
      state: 'completed',
      summary: { frames: 100 },
    });
  });

  it('watch started before the job prints every label once and exits 0', async () => {
    const jobId = `watched-${Date.now()}`;
    const queue = new Queue('videos', { connection: { url: REDIS_URL }, prefix });
    // Paused, so that the job is waiting, with no label yet, when watch starts.
    await queue.pause();
    await queue.add('label', { url: video, stride: 1 }, { jobId });
    const watch = spawn(process.execPath, [CLI, 'watch', jobId], {
      env: { ...process.env, ...env },
    });
    let out = '';
    watch.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await sleep(1500);
    expect(out).toBe('');
    await queue.resume();
    const [code] = (await once(watch, 'exit')) as [number];
    await queue.close();
    expect(code).toBe(0);
    const lines = parseJsonLines<LabelRecord>(out);
    expect(lines.map((l) => l.frame)).toEqual(Array.from({ length: 97 }, (_, i) => i + 3));
    const local = await runCli(['label', video, '--model', model]);
    expect(out).toBe(local.stdout);
  });

  it('--job-id deduplicates: the same id twice adds one job', async () => {
    const queue = new Queue('videos', { connection: { url: REDIS_URL }, prefix });
    const total = async () => {
      const counts = await queue.getJobCounts(
        'waiting',
        'active',
        'completed',
        'failed',
        'delayed',
      );
      return Object.values(counts).reduce((a, b) => a + b, 0);
    };
    const before = await total();
    const args = ['enqueue', video, '--media-root', dirname(video), '--job-id', 'dedup-1'];
    const [first, second] = [await runCli(args, env), await runCli(args, env)];
    expect([first.stdout, second.stdout]).toEqual(['dedup-1\n', 'dedup-1\n']);
    expect(await total()).toBe(before + 1);
    await queue.close();
  });

  it('watch exits 1 for a failed job, and the job failed once, without retries', async () => {
    const added = await runCli(['enqueue', '/etc/hostname', '--attempts', '3'], {
      ...env,
      FRAMEWISE_MEDIA_ROOT: '/etc',
    });
    expect(added.code).toBe(0);
    const jobId = added.stdout.trim();
    const watch = await runCli(['watch', jobId], env);
    expect(watch.code).toBe(1);
    expect(watch.stderr).toMatch(/failed: .*(not a video|refused)/i);
    const status = JSON.parse((await runCli(['status', jobId], env)).stdout) as {
      state: string;
      attempts: number;
    };
    expect(status).toMatchObject({ state: 'failed', attempts: 1 });
    expect(ffmpegProcessesRunning()).toBe(0);
  });
});
