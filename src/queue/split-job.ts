import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobSummary } from '../output/job-summary.js';
import { LabelSummary } from '../output/label-summary.js';
import { readLabels } from '../output/read-labels.js';
import { RedisStreamSink } from '../output/redis-stream-sink.js';
import { labelsKey } from './queue-keys.js';

/** BullMQ job name of a part of a split job (a whole job is named `label`). */
export const PART_JOB_NAME = 'part';
/** Most parts one file is split into; longer parts beyond it. */
export const MAX_PARTS = 1000;
/** How long the publishing lock is held at most, in ms: a crashed holder frees it by then. */
const LOCK_MS = 60_000;

/**
 * One part of a split file: the frames it decodes, by index among the sampled frames. It
 * labels the windows that start at `from`, `from + stride`, … and end at `to` at the latest,
 * so its first window is whole (it reads the N−1 frames before the labels it owns) and the
 * parts' labels, in order, are the unsplit run's.
 */
export interface PartSpec {
  readonly index: number;
  /** First frame it decodes: the start of its first window, on the job's window grid. */
  readonly from: number;
  /** That frame's presentation time in seconds, where its decoding seeks to. */
  readonly fromT: number;
  /** Last frame it decodes (the end of its last window); absent for the last part. */
  readonly to?: number;
}

/** What {@link planParts} needs to know of the file and the run. */
export interface PartPlanInput {
  /** Every frame's presentation time, in order (the file's frames, unsampled). */
  readonly times: Float64Array;
  /** Seconds per part. */
  readonly partSec: number;
  readonly window: number;
  readonly stride: number;
  /** Resampling rate (`--fps`); absent: the file's own frames. */
  readonly fps?: number;
}

/**
 * Cuts a file into parts of about `partSec` seconds at window starts (multiples of the stride
 * from frame 0), wherever those fall in the file's GOPs. Without `fps` a frame's index and
 * time come from `times`; with it, sampled frame `i` lies at `t0 + i / fps`, `t0` being the
 * first frame's time on the fps grid, as ffmpeg's fps filter places it. Parts that would own no
 * whole window go to the part before. One part means: do not split.
 */
export function planParts(input: PartPlanInput): PartSpec[] {
  const { times, window: n, stride, fps } = input;
  const first = times[0]!;
  const last = times[times.length - 1]!;
  const duration = last - first;
  const partSec = Math.max(input.partSec, duration / MAX_PARTS);
  const t0 = fps === undefined ? first : Math.round(first * fps) / fps;
  // Sampled frames: exact without fps; with it, a frame per 1/fps over the file's length.
  const frames = fps === undefined ? times.length : Math.floor(duration * fps) + 1;
  const timeOf = (i: number) => (fps === undefined ? times[i]! : t0 + i / fps);
  const indexAt = (t: number) =>
    fps === undefined ? lowerBound(times, t) : Math.ceil((t - t0) * fps - 1e-9);
  const starts: number[] = [0];
  for (let k = 1; ; k++) {
    const boundary = indexAt(first + k * partSec);
    const from = Math.ceil(boundary / stride) * stride;
    // A part must own a whole window and leave the next part at least one, with a margin for
    // the fps estimate of the frame count; the last part reads to the end of the file.
    if (from + n - 1 + stride >= frames - (fps === undefined ? 0 : Math.ceil(fps))) break;
    if (from > starts[starts.length - 1]!) starts.push(from);
  }
  return starts.map((from, index) => {
    const next = starts[index + 1];
    return {
      index,
      from,
      fromT: timeOf(from),
      ...(next === undefined ? {} : { to: next - stride + n - 1 }),
    };
  });
}

/** First index whose value is at least `t` (times sorted ascending). */
function lowerBound(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < t - 1e-9) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A part's job id: the parent's, then `-part-<index>`. */
export function partJobId(parentId: string, index: number): string {
  return `${parentId}-part-${index}`;
}

/** The split state of a parent job: its plan, and how far its parts' labels are published. */
export interface SplitState {
  readonly parts: readonly PartSpec[];
  /** Index of the first part whose labels are not in the parent's stream yet. */
  readonly next: number;
  /** Parts whose labels are complete in their own streams. */
  readonly done: ReadonlySet<number>;
  /** Whether every part job has been added. */
  readonly added: boolean;
  /** When the file was split, ms since the epoch. */
  readonly startedAt: number;
}

/** `<prefix>:split:<parentId>`: a hash holding a parent's {@link SplitState}. */
export function splitKey(prefix: string, parentId: string): string {
  return `${prefix}:split:${parentId}`;
}

/**
 * A split job's state in Redis, and the publishing of its parts' labels into the parent's
 * stream: in part order, each part as soon as it and every part before it are done, by
 * whichever worker finishes a part (under a lock, so that one worker copies at a time; a part
 * that finishes while another worker holds the lock is published by that worker before it
 * lets go, or by its own worker after).
 */
export class SplitStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSec: number,
  ) {}

  async load(parentId: string): Promise<SplitState | undefined> {
    const hash = await this.redis.hgetall(splitKey(this.prefix, parentId));
    if (hash.plan === undefined) return undefined;
    const done = new Set<number>();
    for (const field of Object.keys(hash)) {
      if (field.startsWith('done:')) done.add(Number(field.slice(5)));
    }
    return {
      parts: JSON.parse(hash.plan) as PartSpec[],
      next: Number(hash.next ?? 0),
      done,
      added: hash.added === '1',
      startedAt: Number(hash.startedAt ?? Date.now()),
    };
  }

  async create(parentId: string, parts: readonly PartSpec[]): Promise<void> {
    const key = splitKey(this.prefix, parentId);
    // A rerun of the planning step (its worker died) keeps the first plan.
    await this.redis.hsetnx(key, 'startedAt', String(Date.now()));
    await this.redis.hsetnx(key, 'next', '0');
    await this.redis.hsetnx(key, 'plan', JSON.stringify(parts));
    await this.redis.expire(key, this.ttlSec + 7 * 86_400);
  }

  async markAdded(parentId: string): Promise<void> {
    await this.redis.hset(splitKey(this.prefix, parentId), 'added', '1');
  }

  async markDone(parentId: string, index: number): Promise<void> {
    await this.redis.hset(splitKey(this.prefix, parentId), `done:${index}`, '1');
  }

  /**
   * Copies the labels of every done part after the last published one into the parent's
   * stream, in order, and reports the parent's progress; returns the index of the first part
   * not published.
   */
  async publish(
    parentId: string,
    onPublished?: (published: Published) => Promise<void>,
  ): Promise<number> {
    const lock = `${splitKey(this.prefix, parentId)}:lock`;
    for (;;) {
      const token = randomBytes(8).toString('hex');
      const state = await this.load(parentId);
      if (state === undefined) return 0;
      if (state.next >= state.parts.length || !state.done.has(state.next)) return state.next;
      if ((await this.redis.set(lock, token, 'PX', LOCK_MS, 'NX')) !== 'OK') return state.next;
      try {
        await this.publishHeld(parentId, onPublished);
      } finally {
        await this.redis.eval(RELEASE, 1, lock, token);
      }
      // A part done while the lock was held, whose worker found it taken: publish it now.
    }
  }

  private async publishHeld(
    parentId: string,
    onPublished?: (published: Published) => Promise<void>,
  ): Promise<void> {
    const key = splitKey(this.prefix, parentId);
    const parent = labelsKey(this.prefix, parentId);
    for (;;) {
      const state = await this.load(parentId);
      if (state === undefined || state.next >= state.parts.length) return;
      if (!state.done.has(state.next)) return;
      const part = partJobId(parentId, state.next);
      const source = labelsKey(this.prefix, part);
      // The sink skips entries at or below the stream's last ID: a copy cut short by a crash
      // and done again leaves no duplicate.
      const sink = new RedisStreamSink(this.redis, parent);
      let last: { frame: number; t: number } | undefined;
      for await (const label of readLabels(this.redis, source)) {
        await sink.write(label);
        last = label;
      }
      await sink.close();
      await this.redis.expire(parent, this.ttlSec);
      await this.redis.hset(key, 'next', String(state.next + 1));
      await this.redis.del(source);
      await onPublished?.({ parts: state.parts.length, published: state.next + 1, last });
    }
  }

  /**
   * The parent's summary, from its stream (all parts published): the labels and segments as
   * an unsplit run gives them, `frames` from the last part, which read the file to its end.
   */
  async summary(parentId: string, lastPart: JobSummary, startedAt: number): Promise<JobSummary> {
    const summary = new LabelSummary();
    for await (const label of readLabels(this.redis, labelsKey(this.prefix, parentId))) {
      summary.add(label);
    }
    return summary.finish({ frames: lastPart.frames, seconds: (Date.now() - startedAt) / 1000 });
  }

  async remove(parentId: string): Promise<void> {
    await this.redis.expire(splitKey(this.prefix, parentId), this.ttlSec);
  }
}

/** What was published so far, for the parent's progress. */
export interface Published {
  readonly parts: number;
  readonly published: number;
  readonly last: { frame: number; t: number } | undefined;
}

/** Deletes the lock only if it is still ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** The part ids of a split parent, for `cancel` and `status`; empty for an unsplit job. */
export async function partIds(redis: Redis, prefix: string, parentId: string): Promise<string[]> {
  const plan = await redis.hget(splitKey(prefix, parentId), 'plan');
  if (plan === null) return [];
  return (JSON.parse(plan) as PartSpec[]).map((part) => partJobId(parentId, part.index));
}

/** The parts of a split parent as `status` shows them. */
export async function partStatuses(
  queue: Queue,
  redis: Redis,
  prefix: string,
  parentId: string,
): Promise<{ id: string; state: string; progress: unknown }[]> {
  const ids = await partIds(redis, prefix, parentId);
  return Promise.all(
    ids.map(async (id) => {
      const job = await queue.getJob(id);
      return {
        id,
        state: job === undefined ? 'unknown' : await job.getState(),
        progress: job?.progress ?? {},
      };
    }),
  );
}
