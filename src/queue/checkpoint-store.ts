import type { Redis } from 'ioredis';
import type { ResumePoint } from '../pipeline/resume-point.js';

/** A job's saved position. */
export interface Checkpoint {
  /** Where the run resumes; every label up to it is in the stream. */
  readonly resume: ResumePoint;
  /** When it was saved, in milliseconds since the epoch. */
  readonly savedAt: number;
}

/** The key of a job's checkpoint. */
export function checkpointKey(prefix: string, jobId: string): string {
  return `${prefix}:checkpoint:${jobId}`;
}

/**
 * Saves and loads job checkpoints in Redis, one JSON value per job, so that a job taken over
 * by another worker (after a crash or a hand-back) continues where it stopped.
 */
export class CheckpointStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSec: number,
  ) {}

  /** The job's checkpoint, or undefined when it has none (or an unreadable one). */
  async load(jobId: string): Promise<Checkpoint | undefined> {
    const text = await this.redis.get(checkpointKey(this.prefix, jobId));
    if (text === null) return undefined;
    try {
      const checkpoint = JSON.parse(text) as Checkpoint;
      return Number.isInteger(checkpoint.resume?.frame) && Number.isFinite(checkpoint.resume?.t)
        ? checkpoint
        : undefined;
    } catch {
      // A checkpoint is an optimisation: a bad one means starting over, never failing.
      return undefined;
    }
  }

  /** Saves the job's checkpoint; it expires with the labels stream. */
  async save(jobId: string, checkpoint: Checkpoint): Promise<void> {
    await this.redis.set(
      checkpointKey(this.prefix, jobId),
      JSON.stringify(checkpoint),
      'EX',
      this.ttlSec,
    );
  }

  /** Removes the job's checkpoint: the job is over. */
  async remove(jobId: string): Promise<void> {
    await this.redis.del(checkpointKey(this.prefix, jobId));
  }
}
