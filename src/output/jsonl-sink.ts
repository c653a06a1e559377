import type { Writable } from 'node:stream';
import type { Label } from '../pipeline/label.js';
import type { Gap } from '../pipeline/label-frames.js';
import { roundToMillis } from './round-to-millis.js';
import type { LabelSink } from './label-sink.js';
import { LineWriter } from './line-writer.js';
import type { LineWriterOptions } from './line-writer-options.js';
import { shortestFloat32 } from './shortest-float32.js';

/** A label's fields as the contract prints them, in the contract's key order. */
export interface LabelRecord {
  readonly frame: number;
  readonly start: number;
  readonly t: number;
  readonly label: number;
  readonly name?: string;
  readonly score: number;
  readonly scores: number[];
  readonly latencyMs?: number;
}

/**
 * A label's fields as every output prints them (JSON lines, Redis Stream entries), so that all
 * outputs agree field for field: `t` rounded to milliseconds; `score` and `scores` at float32
 * precision with the fewest digits that keep it (see {@link shortestFloat32}); `name` only
 * when the label has one.
 */
export function labelRecord(label: Label): LabelRecord {
  // The literal fixes the key order: JSON.stringify keeps insertion order for these keys.
  return {
    frame: label.frame,
    start: label.start,
    t: roundToMillis(label.t),
    label: label.label,
    ...(label.name === undefined ? {} : { name: label.name }),
    score: shortestFloat32(label.score),
    // Array.from also turns a Float32Array that slipped in as `scores` into a plain array.
    scores: Array.from(label.scores, shortestFloat32),
    ...(label.latencyMs === undefined ? {} : { latencyMs: Math.round(label.latencyMs * 10) / 10 }),
  };
}

/**
 * One label as the contract's JSON line, without the newline, keys in this order:
 * `{"frame","start","t","label","name"?,"score","scores"}`.
 *
 * ## Example
 * ```ts
 * formatLabelJson({ frame: 3, start: 0, t: 0.1, label: 1, score: 0.93, scores: [0.07, 0.93] });
 * // '{"frame":3,"start":0,"t":0.1,"label":1,"score":0.93,"scores":[0.07,0.93]}'
 * ```
 */
export function formatLabelJson(label: Label): string {
  return JSON.stringify(labelRecord(label));
}

/** An outage's fields as every output prints them: times rounded to milliseconds. */
export function gapRecord(gap: Gap): { frame: number; t: number; gap: number } {
  return { frame: gap.frame, t: roundToMillis(gap.t), gap: roundToMillis(gap.gap) };
}

/** Options of a {@link JsonlSink}. */
export type JsonlSinkOptions = LineWriterOptions;

/**
 * Writes labels as JSON lines ({@link formatLabelJson}), one per line, to a Writable such as
 * `process.stdout`, waiting for 'drain' when the stream's buffer is full.
 *
 * ## Example
 * ```ts
 * const sink = new JsonlSink(process.stdout);
 * for await (const label of labels) await sink.write(label);
 * await sink.close();
 * ```
 */
export class JsonlSink implements LabelSink {
  readonly #writer: LineWriter;

  /**
   * @param stream - Where the lines go.
   * @param options - See {@link LineWriterOptions}.
   */
  constructor(stream: Writable, options: JsonlSinkOptions = {}) {
    this.#writer = new LineWriter(stream, options);
  }

  /** Writes one label as one line; see {@link LabelSink.write}. */
  write(label: Label): Promise<void> {
    return this.#writer.write(`${formatLabelJson(label)}\n`);
  }

  /** Writes an outage as a line `{"frame","t","gap"}`; see {@link LabelSink.writeGap}. */
  writeGap(gap: Gap): Promise<void> {
    return this.#writer.write(`${JSON.stringify(gapRecord(gap))}\n`);
  }

  /** Flushes and, with `end`, ends the stream; see {@link LabelSink.close}. */
  close(): Promise<void> {
    return this.#writer.close();
  }
}
