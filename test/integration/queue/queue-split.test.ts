import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledModelDir } from '../../../src/model/load/bundled-model.js';
import type { LabelRecord } from '../../../src/output/jsonl-sink.js';
import { labelsKey } from '../../../src/queue/queue-keys.js';
import { parseJsonLines, runCli } from '../../support/cli.js';
import {
  deletePrefix,
  freshPrefix,
  readStream,
  REDIS_URL,
  startWorker,
  waitFor,
  type WorkerProcess,
} from '../../support/queue.js';
import { renderShots } from '../../support/render-shots.js';
import { ffmpegProcessesRunning } from '../../support/videos.js';

interface Summary {
  frames: number;
  windows: number;
  counts: Record<string, number>;
  segments: { label: string; start: number; end: number }[];
}

/**
 * Shots joined by cuts, as H.264 with B-frames and the encoder's own GOPs (keyframes at the
 * cuts and every 250 frames): part boundaries every 2.3 s land mid-GOP.
 */
async function makeShots(dir: string, seconds: number): Promise<string> {
  const sources = [
    'mandelbrot',
    'testsrc2',
    'life=mold=10:ratio=0.5',
    'smptehdbars',
    'cellauto=rule=110',
  ];
  const each = seconds / sources.length;
  return renderShots({
    out: join(dir, `shots-${seconds}.mp4`),
    shots: sources.map((source) => ({ source, seconds: each })),
    width: 96,
    height: 72,
    fps: 25,
  });
}

const model = bundledModelDir();

/** `framewise label` on the same file: what the split job's stream must hold, entry for entry. */
async function unsplit(video: string, args: readonly string[]): Promise<LabelRecord[]> {
  const local = await runCli(['label', video, '--model', model, ...args]);
  expect(local.code, local.stderr).toBe(0);
  return parseJsonLines<LabelRecord>(local.stdout);
}

function expectSameEntries(entries: [string, Record<string, string>][], expected: LabelRecord[]) {
  expect(entries.map(([id]) => id)).toEqual(expected.map((l) => `${l.frame}-1`));
  entries.forEach(([, fields], i) => {
    const label = expected[i]!;
    expect(fields.t).toBe(String(label.t));
    expect(fields.start).toBe(String(label.start));
    expect(fields.name).toBe(label.name);
    expect(JSON.parse(fields.scores!) as number[]).toEqual(label.scores);
  });
}

describe.each([
  ['3 workers', 3],
  ['1 worker', 1],
] as const)('split jobs on %s', (_name, count) => {
  const prefix = freshPrefix();
  const env = { REDIS_URL, FRAMEWISE_PREFIX: prefix };
  const redis = new Redis(REDIS_URL);
  let dir: string;
  let video: string;
  let summaryOf: (id: string) => Promise<Summary>;
  let queue: Queue;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'framewise-split-'));
    video = await makeShots(dir, 12);
    queue = new Queue('videos', { connection: { url: REDIS_URL }, prefix });
    summaryOf = async (id) => (await queue.getJob(id))!.returnvalue as Summary;
    for (let i = 0; i < count; i++) {
      workers.push(await startWorker(['--media-root', dir, '--model', model], env));
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await queue?.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  const cases = [
    ['stride 1', ['--stride', '1']],
    ['stride 3', ['--stride', '3']],
    ['resampled to 10 fps, stride 2', ['--fps', '10', '--stride', '2']],
    ['upsampled to 30 fps, stride 3', ['--fps', '30', '--stride', '3']],
  ] as const;
  // One worker takes every part in turn: two cases show it, the four run on three workers.
  it.each(count === 1 ? [cases[1], cases[2]] : cases)(
    '%s: the stream equals `framewise label`, entry for entry, and grows as a prefix',
    { timeout: 120_000 },
    async (_case, args) => {
      const added = await runCli(
        ['enqueue', video, '--media-root', dir, '--split', '2.3', ...args],
        env,
      );
      expect(added.code, added.stderr).toBe(0);
      const jobId = added.stdout.trim();
      const key = labelsKey(prefix, jobId);
      // Every look at the stream while parts finish in any order sees a prefix of the end.
      const seen: string[][] = [];
      await waitFor(async () => {
        seen.push((await redis.xrange(key, '-', '+')).map(([id]) => id));
        return (await queue.getJobState(jobId)) === 'completed';
      }, 90_000);
      const expected = await unsplit(video, args);
      const entries = await readStream(redis, key);
      expectSameEntries(entries, expected);
      const ids = entries.map(([id]) => id);
      for (const snapshot of seen) expect(ids.slice(0, snapshot.length)).toEqual(snapshot);

      const status = JSON.parse((await runCli(['status', jobId], env)).stdout) as {
        parts: { id: string; state: string }[];
      };
      expect(status.parts.length).toBeGreaterThanOrEqual(4);
      expect(status.parts.every((p) => p.state === 'completed')).toBe(true);
      // The summary is the unsplit run's (but for its wall time).
      const local = await runCli(['enqueue', video, '--media-root', dir, ...args, '--wait'], env);
      const whole = JSON.parse(local.stdout) as Summary;
      const { seconds: _a, ...split } = (await summaryOf(jobId)) as Summary & { seconds: number };
      const {
        seconds: _b,
        id: _id,
        ...reference
      } = whole as Summary & { seconds: number; id: string };
      expect(split).toEqual(reference);
      expect(split.windows).toBe(expected.length);
      // Parts leave nothing behind but the parent's stream.
      expect(await redis.exists(labelsKey(prefix, `${jobId}-part-0`))).toBe(0);
    },
  );
});

describe('split jobs under faults and refusals', () => {
  const prefix = freshPrefix();
  const env = { REDIS_URL, FRAMEWISE_PREFIX: prefix };
  const redis = new Redis(REDIS_URL);
  let dir: string;
  let video: string;
  let queue: Queue;
  const workers: WorkerProcess[] = [];
  // Short locks, so that a dead worker's part is found stalled within seconds.
  const fast = [
    '--lock-duration',
    '2000',
    '--stalled-interval',
    '1000',
    '--checkpoint-interval',
    '300',
  ];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'framewise-split-faults-'));
    video = await makeShots(dir, 60);
    queue = new Queue('videos', { connection: { url: REDIS_URL }, prefix });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
    await queue?.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it(
    'a worker SIGKILLed mid-part: its part is taken over and resumed, the stream is still exact',
    { timeout: 180_000 },
    async () => {
      const mark = `${process.pid}-split-killed`;
      const args = ['--media-root', dir, '--model', model, ...fast];
      // One worker first: it splits the job and takes the first part.
      const doomed = await startWorker(
        args,
        { ...env, FRAMEWISE_TEST_OWNER: mark },
        { detached: true },
      );
      workers.push(doomed);
      // Upsampled to 100 fps: parts of 3,000 frames, long enough to be caught mid-way.
      const labelArgs = ['--fps', '100', '--stride', '2'];
      const added = await runCli(
        ['enqueue', video, '--media-root', dir, '--split', '30', ...labelArgs],
        env,
      );
      const jobId = added.stdout.trim();
      const victim = `${jobId}-part-0`;
      // Killed once its part has saved a checkpoint and written labels of its own.
      await waitFor(
        async () =>
          (await redis.exists(`${prefix}:checkpoint:${victim}`)) === 1 &&
          (await redis.xlen(labelsKey(prefix, victim))) > 0,
        60_000,
      );
      process.kill(-doomed.child.pid!, 'SIGKILL');
      await doomed.exited;
      await waitFor(() => ffmpegProcessesRunning(mark) === 0, 5000);
      const taker = await startWorker(args, env);
      workers.push(taker);
      await waitFor(async () => (await queue.getJobState(jobId)) === 'completed', 150_000);
      expect(
        taker.logs.some((l) => l.jobId === victim && l.msg === 'resuming from a checkpoint'),
      ).toBe(true);
      expectSameEntries(
        await readStream(redis, labelsKey(prefix, jobId)),
        await unsplit(video, labelArgs),
      );
    },
  );

  it('cancel on the parent cancels every part and fails the job', { timeout: 60_000 }, async () => {
    const added = await runCli(['enqueue', video, '--media-root', dir, '--split', '5'], env);
    const jobId = added.stdout.trim();
    await waitFor(async () => (await queue.getJobState(jobId)) === 'waiting-children', 30_000);
    const cancelled = await runCli(['cancel', jobId], env);
    expect(cancelled.code).toBe(0);
    await waitFor(async () => (await queue.getJobState(jobId)) === 'failed', 30_000);
    const status = JSON.parse((await runCli(['status', jobId], env)).stdout) as {
      parts: { state: string }[];
    };
    await waitFor(async () => {
      const parts = JSON.parse((await runCli(['status', jobId], env)).stdout) as typeof status;
      return parts.parts.every((p) => p.state === 'failed' || p.state === 'completed');
    }, 30_000);
    expect(status.parts.length).toBeGreaterThan(1);
  });

  it.each([
    [['--mode', 'stateful'], /stateful mode carries the recurrent state/],
    [['--start', '2'], /whole files/],
    [['--duration', '5'], /whole files/],
  ])('refuses --split with %j, saying why', async (args, message) => {
    const refused = await runCli(
      ['enqueue', video, '--media-root', dir, '--split', '5', ...args],
      env,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(message);
  });

  it('refuses --split on a live stream', async () => {
    const refused = await runCli(
      ['enqueue', 'rtsp://192.0.2.1/cam', '--live', '--split', '5'],
      env,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/live stream has no end/);
  });
});

describe('a worker with --split-over', () => {
  const prefix = freshPrefix();
  const env = { REDIS_URL, FRAMEWISE_PREFIX: prefix };
  const redis = new Redis(REDIS_URL);
  let dir: string;
  let worker: WorkerProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'framewise-split-over-'));
    worker = await startWorker(['--media-root', dir, '--model', model, '--split-over', '4'], env);
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it(
    'splits a longer file that did not ask, and leaves a shorter one whole',
    { timeout: 90_000 },
    async () => {
      const long = await makeShots(dir, 12);
      const short = await makeShots(dir, 3);
      const added = await runCli(['enqueue', long, short, '--media-root', dir, '--wait'], env);
      expect(added.code, added.stderr).toBe(0);
      const [longId, shortId] = parseJsonLines<{ id: string }>(added.stdout).map((s) => s.id);
      const status = async (id: string) =>
        JSON.parse((await runCli(['status', id], env)).stdout) as { parts?: unknown[] };
      expect((await status(longId!)).parts?.length).toBe(3);
      expect((await status(shortId!)).parts).toBeUndefined();
      expectSameEntries(
        await readStream(redis, labelsKey(prefix, longId!)),
        await unsplit(long, []),
      );
    },
  );
});
