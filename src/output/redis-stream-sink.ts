import type { Redis } from 'ioredis';
import type { Label } from '../pipeline/label.js';
import type { LabelSink } from './label-sink.js';
import { gapRecord, labelRecord } from './jsonl-sink.js';
import type { Gap } from '../pipeline/label-frames.js';
import { appendEntries, type StreamEntry } from './append-entries.js';

/**
 * Second part of a label entry's ID `<frame>-1`; a gap marker after frame f is `<f>-2`, so it
 * sorts after that frame's label and before the next frame's.
 */
export const LABEL_ENTRY_SEQ = 1;
/** Second part of a gap marker's ID: see {@link LABEL_ENTRY_SEQ}. */
export const GAP_ENTRY_SEQ = 2;

/**
 * Most labels sent in one round trip: bounds a script call's arguments (Lua's stack) while
 * keeping round trips rare (an encoder batch yields at most `batch` labels).
 */
const MAX_BATCH = 64;

/** Options of a {@link RedisStreamSink}. */
export interface RedisStreamSinkOptions {
  /**
   * Labels buffered before `write` waits for them to be written.
   * @defaultValue 64
   */
  readonly maxBatch?: number;
}

/**
 * Writes labels to a Redis Stream, one entry per label with the ID `<frame>-1`, so a label
 * written again (a retried or resumed job) is dropped rather than duplicated. Labels written in
 * the same turn of the event loop (one encoder batch) go in one round trip.
 */
export class RedisStreamSink implements LabelSink {
  private buffer: StreamEntry[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private failure: unknown;
  private closing: Promise<void> | undefined;
  private addedCount = 0;
  private replayedCount = 0;
  private readonly maxBatch: number;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    options: RedisStreamSinkOptions = {},
  ) {
    this.maxBatch = Math.min(options.maxBatch ?? MAX_BATCH, MAX_BATCH);
  }

  /** Entries this sink added to the stream. */
  get added(): number {
    return this.addedCount;
  }

  /** Labels dropped because the stream already had them. */
  get replayed(): number {
    return this.replayedCount;
  }

  /** Buffers the label; waits only when a full batch is pending. */
  async write(label: Label): Promise<void> {
    if (this.closing !== undefined)
      throw new Error(`cannot write to ${this.key}: the sink is closed`);
    this.throwIfFailed();
    this.buffer.push(labelEntry(label));
    if (this.buffer.length >= this.maxBatch) {
      await this.flush();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      // The labels of one encoder batch arrive within one turn of the event loop.
      setImmediate(() => {
        this.scheduled = false;
        this.flush().catch(() => undefined);
      });
    }
  }

  /** Buffers a gap marker with the ID `<frame>-2` (fields frame, t, gap); see {@link LabelSink.writeGap}. */
  async writeGap(gap: Gap): Promise<void> {
    this.throwIfFailed();
    const record = gapRecord(gap);
    this.buffer.push({
      ms: record.frame,
      seq: GAP_ENTRY_SEQ,
      fields: ['frame', String(record.frame), 't', String(record.t), 'gap', String(record.gap)],
    });
  }

  /** Writes what is buffered and waits for every write to finish. */
  close(): Promise<void> {
    this.closing ??= this.flush().then(() => this.throwIfFailed());
    return this.closing;
  }

  /** Writes what is buffered now; resolves once it is in Redis. */
  flush(): Promise<void> {
    const entries = this.buffer;
    this.buffer = [];
    // Chained, so that batches reach Redis in frame order.
    this.flushing = this.flushing.then(async () => {
      if (entries.length === 0 || this.failure !== undefined) return;
      try {
        const added = await appendEntries(this.redis, this.key, entries);
        this.addedCount += added;
        this.replayedCount += entries.length - added;
      } catch (error) {
        this.failure = error;
      }
    });
    return this.flushing.then(() => this.throwIfFailed());
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

/** A label as a stream entry: the contract's fields, `scores` as a JSON array. */
export function labelEntry(label: Label): StreamEntry {
  const record = labelRecord(label);
  const fields = [
    'frame',
    String(record.frame),
    'start',
    String(record.start),
    't',
    String(record.t),
  ];
  fields.push('label', String(record.label));
  if (record.name !== undefined) fields.push('name', record.name);
  fields.push('score', String(record.score), 'scores', JSON.stringify(record.scores));
  if (record.latencyMs !== undefined) fields.push('latencyMs', String(record.latencyMs));
  return { ms: record.frame, seq: LABEL_ENTRY_SEQ, fields };
}
