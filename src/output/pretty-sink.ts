import type { Writable } from 'node:stream';
import type { Label } from '../pipeline/label.js';
import type { Gap } from '../pipeline/label-frames.js';
import type { LabelRun } from './label-run.js';
import { LabelRunTracker } from './label-run-tracker.js';
import { formatClock } from './format-clock.js';
import type { LabelSink } from './label-sink.js';
import { LineWriter } from './line-writer.js';
import type { PrettySinkOptions } from './pretty-sink-options.js';
import { shouldColor } from './should-color.js';

/** ANSI foreground colours cycled through by class index; red last, as it reads as alarm. */
const CLASS_COLORS = [32, 33, 36, 35, 34, 31] as const;
const DIM = '\u001b[2m';
const UNDIM = '\u001b[22m';
/** SGR code of the terminal's default foreground colour. */
const DEFAULT_FOREGROUND = 39;

/**
 * A human timeline of the labels for a terminal: one line per segment (a run of windows with
 * the same label), printed when the segment ends, the last one at `close()`:
 *
 * ```text
 * 00:00.100–00:03.300  same shot  0.91  (96 windows)
 * 00:03.300–00:03.333  cut        0.93  (1 window)
 * 00:03.333–00:07.000  same shot  0.88  (110 windows)
 * ```
 *
 * Columns: start–end of the segment (see `LabelRun` for how times are derived), the class
 * name (or `class <index>`), the mean score of its windows, and how many windows it spans.
 * Names are padded to the longest seen so far, so columns line up. A segment prints only
 * once it ends, so a long unchanging live stream stays quiet until its label changes.
 *
 * ## Example
 * ```ts
 * const sink = new PrettySink(process.stdout);
 * for await (const label of labels) await sink.write(label);
 * await sink.close(); // prints the last segment
 * ```
 */
export class PrettySink implements LabelSink {
  readonly #writer: LineWriter;
  readonly #color: boolean;
  readonly #tracker = new LabelRunTracker();
  #nameWidth = 0;
  #closing: Promise<void> | undefined;

  /**
   * @param stream - Where the timeline goes, usually `process.stdout`.
   * @param options - See {@link PrettySinkOptions}.
   */
  constructor(stream: Writable, options: PrettySinkOptions = {}) {
    this.#writer = new LineWriter(stream, options);
    this.#color = options.color ?? shouldColor(stream);
  }

  /** Adds a label; writes a line when it ends a segment. See {@link LabelSink.write}. */
  async write(label: Label): Promise<void> {
    if (this.#closing !== undefined) throw new Error('cannot write: the sink is closed');
    const ended = this.#tracker.add(label);
    if (ended !== undefined) await this.#writeRun(ended);
  }

  /** Ends the current segment and prints the outage on its own line. */
  async writeGap(gap: Gap): Promise<void> {
    const run = this.#tracker.flush();
    if (run !== undefined) await this.#writeRun(run);
    await this.#writer.write(`${formatClock(gap.t)}  — no video for ${gap.gap.toFixed(1)} s —\n`);
  }

  /** Writes the last segment, then closes like {@link LabelSink.close}. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    try {
      const last = this.#tracker.flush();
      if (last !== undefined) await this.#writeRun(last);
    } finally {
      await this.#writer.close();
    }
  }

  #writeRun(run: LabelRun): Promise<void> {
    const name = run.name ?? `class ${run.label}`;
    this.#nameWidth = Math.max(this.#nameWidth, name.length);
    const times = `${formatClock(run.start)}–${formatClock(run.end)}`;
    const windows = `(${run.windows} ${run.windows === 1 ? 'window' : 'windows'})`;
    const padded = name.padEnd(this.#nameWidth);
    const line = this.#color
      ? `${DIM}${times}${UNDIM}  ${paint(padded, run.label)}  ${run.meanScore.toFixed(2)}  ${DIM}${windows}${UNDIM}`
      : `${times}  ${padded}  ${run.meanScore.toFixed(2)}  ${windows}`;
    return this.#writer.write(`${line}\n`);
  }
}

function paint(text: string, classIndex: number): string {
  const code = CLASS_COLORS[classIndex % CLASS_COLORS.length] ?? DEFAULT_FOREGROUND;
  return `\u001b[${code}m${text}\u001b[${DEFAULT_FOREGROUND}m`;
}
