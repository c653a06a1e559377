import type { Redis } from 'ioredis';
import { compareStreamIds } from './stream-id.js';

/** One entry of a labels stream: its ID and its fields, flat (`[name, value, …]`). */
export type StreamEntry = readonly [id: string, fields: readonly string[]];

/** Entries delivered to a viewer: they follow its last entry, in stream order. */
export type WriteEntries = (entries: readonly StreamEntry[]) => Promise<void>;

/** Options of {@link LabelFeeds}. */
export interface LabelFeedsOptions {
  /** Shared connection for the viewers' catch-up reads (XRANGE); never blocked. */
  readonly redis: Redis;
  /** True once the job can write no more labels (completed, failed or gone). */
  readonly isFinished: (jobId: string) => Promise<boolean>;
  /** How long one blocking read waits before the job's state is looked at again, in ms. */
  readonly blockMs?: number;
  /** Entries per read. */
  readonly pageSize?: number;
}

type StreamReply = [key: string, entries: [id: string, fields: string[]][]][] | null;

/** What a {@link Follower} read: entries after `previous`, or the end of the job. */
type Batch = { readonly previous: string; readonly entries: readonly StreamEntry[] } | 'end';

/**
 * Live label streams for many viewers at once. Each job's stream is followed by one blocking
 * read (one Redis connection) however many viewers it has; what it reads goes straight to every
 * viewer that is up to date. A viewer that is not (it just connected, resumed from a
 * `Last-Event-ID`, or was still writing to a slow client when entries came) reads what it
 * misses with XRANGE from its own last entry, so every viewer gets every entry once, in order,
 * and a slow viewer holds at most one page in memory and never slows the others.
 */
export class LabelFeeds {
  private readonly followers = new Map<string, Follower>();
  private readonly blockMs: number;
  private readonly pageSize: number;
  private closed = false;

  constructor(private readonly options: LabelFeedsOptions) {
    this.blockMs = options.blockMs ?? 1000;
    this.pageSize = options.pageSize ?? 500;
  }

  /** Jobs whose streams are followed now (one blocking connection each). */
  get following(): number {
    return this.followers.size;
  }

  /**
   * Writes the entries of stream `key` after entry `after` (`0-0`: from the first) as they come,
   * until the job has finished and its last entry is written (resolves), or `signal` aborts
   * (resolves). Rejects when Redis fails; the caller ends the response and the client resumes.
   */
  async follow(
    jobId: string,
    key: string,
    after: string,
    write: WriteEntries,
    signal: AbortSignal,
  ): Promise<void> {
    if (this.closed || signal.aborted) return;
    const follower = this.followerOf(jobId, key);
    follower.viewers++;
    let last = after;
    try {
      for (;;) {
        // Everything the follower read before it saw the end is in Redis: one more catch-up
        // after the end was seen leaves nothing out.
        const ended = follower.ended;
        last = await this.catchUp(key, last, write, signal);
        if (ended || signal.aborted || this.closed) return;
        // Up to date: take the follower's batches as they come, until one is missed.
        while (!follower.ended && compareStreamIds(follower.lastId, last) <= 0) {
          const batch = await follower.next(signal);
          if (batch === undefined || signal.aborted) return;
          if (batch === 'end') break;
          if (compareStreamIds(last, batch.previous) < 0) break;
          const fresh = batch.entries.filter(([id]) => compareStreamIds(id, last) > 0);
          if (fresh.length > 0) {
            await write(fresh);
            last = fresh[fresh.length - 1]![0];
          }
        }
      }
    } finally {
      follower.viewers--;
      if (follower.viewers === 0) {
        this.followers.delete(key);
        follower.stop();
      }
    }
  }

  /** Stops following every stream; viewers' `follow` calls resolve. */
  close(): void {
    this.closed = true;
    for (const follower of this.followers.values()) follower.stop();
    this.followers.clear();
  }

  /** Writes every entry after `last` that is in the stream now; returns the new last ID. */
  private async catchUp(
    key: string,
    last: string,
    write: WriteEntries,
    signal: AbortSignal,
  ): Promise<string> {
    for (;;) {
      const entries = await this.options.redis.xrange(key, `(${last}`, '+', 'COUNT', this.pageSize);
      if (signal.aborted) return last;
      if (entries.length > 0) {
        await write(entries);
        last = entries[entries.length - 1]![0];
      }
      if (entries.length < this.pageSize) return last;
    }
  }

  private followerOf(jobId: string, key: string): Follower {
    let follower = this.followers.get(key);
    if (follower === undefined || follower.stopped) {
      follower = new Follower(this.options, jobId, key, this.blockMs, this.pageSize);
      this.followers.set(key, follower);
      follower.start();
    }
    return follower;
  }
}

/** How long a follower waits after a Redis error before reading again, in ms. */
const RETRY_MS = 1000;

/** One blocking reader of one job's stream, shared by that stream's viewers. */
class Follower {
  viewers = 0;
  /** The last entry read; `0-0` before the first. */
  lastId = '0-0';
  /** True once the job has finished and every entry it wrote has been read. */
  ended = false;
  stopped = false;
  private readonly connection: Redis;
  private wake: ((batch: Batch | undefined) => void)[] = [];

  constructor(
    private readonly options: LabelFeedsOptions,
    private readonly jobId: string,
    private readonly key: string,
    private readonly blockMs: number,
    private readonly pageSize: number,
  ) {
    this.connection = options.redis.duplicate();
    this.connection.on('error', () => {
      // Reported by the failing reads; the follower retries.
    });
  }

  start(): void {
    void this.run();
  }

  /** Resolves with the next batch read, or undefined when `signal` aborts or the follower stops. */
  next(signal: AbortSignal): Promise<Batch | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const onAbort = () => {
        this.wake = this.wake.filter((waiter) => waiter !== done);
        resolve(undefined);
      };
      const done = (batch: Batch | undefined) => {
        signal.removeEventListener('abort', onAbort);
        resolve(batch);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.wake.push(done);
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.connection.disconnect();
    this.publish(undefined);
  }

  private publish(batch: Batch | undefined): void {
    const waiting = this.wake;
    this.wake = [];
    for (const done of waiting) done(batch);
  }

  private async run(): Promise<void> {
    try {
      const newest = await this.connection.xrevrange(this.key, '+', '-', 'COUNT', 1);
      if (newest[0] !== undefined) this.lastId = newest[0][0];
    } catch {
      // Read from the start; viewers filter what they have.
    }
    while (!this.stopped) {
      try {
        if (await this.options.isFinished(this.jobId)) {
          // Labels are written before the job finishes: read what is left, then end.
          while ((await this.read(false)) === this.pageSize && !this.stopped);
          this.ended = true;
          this.publish('end');
          return;
        }
        // Read until a blocking read comes back empty, then look at the job again.
        while ((await this.read(true)) > 0 && !this.stopped);
      } catch {
        if (this.stopped) return;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  private async read(block: boolean): Promise<number> {
    const reply = (
      block
        ? await this.connection.xread(
            'COUNT',
            this.pageSize,
            'BLOCK',
            this.blockMs,
            'STREAMS',
            this.key,
            this.lastId,
          )
        : await this.connection.xread('COUNT', this.pageSize, 'STREAMS', this.key, this.lastId)
    ) as StreamReply;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length > 0 && !this.stopped) {
      const previous = this.lastId;
      this.lastId = entries[entries.length - 1]![0];
      this.publish({ previous, entries });
    }
    return entries.length;
  }
}
