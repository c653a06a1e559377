import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { UsageError } from '../errors.js';

/** Name of the annotations file in a dataset directory (`framewise train --data <dir>`). */
export const LABELS_CSV = 'labels.csv';

/** A labeled time range of one video. */
export interface Segment {
  /** Start in seconds, inclusive. */
  readonly start: number;
  /** End in seconds, exclusive. */
  readonly end: number;
  /** Class name. */
  readonly label: string;
}

/** A dataset's annotations: segments per video file, and the classes in order. */
export interface Annotations {
  /** Video file name (relative to the data directory) → its segments, by start time. */
  readonly videos: ReadonlyMap<string, readonly Segment[]>;
  /** Every label that occurs, sorted: the model's output order. */
  readonly classes: readonly string[];
}

/**
 * Reads a CSV of segment annotations with the header `video,start,end,label` (times in
 * seconds; RFC 4180 quoting allowed). A bad row fails naming its line and the rule.
 */
export async function readAnnotations(path: string): Promise<Annotations> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read annotations ${path}: put a CSV video,start,end,label there`, {
      cause: error,
    });
  }
  return parseAnnotations(text, path);
}

/** Parses annotations CSV text; `where` names it in messages. */
export function parseAnnotations(text: string, where: string): Annotations {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true }) as string[][];
  } catch (error) {
    throw new UsageError(`${where} is not valid CSV: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const [header, ...rows] = records;
  if (header?.join(',') !== 'video,start,end,label') {
    throw new UsageError(
      `${where} must start with the header video,start,end,label, got ${JSON.stringify(header?.join(','))}`,
    );
  }
  const videos = new Map<string, Segment[]>();
  rows.forEach((row, i) => {
    const line = i + 2;
    const [video, startText, endText, label] = row;
    const start = Number(startText);
    const end = Number(endText);
    if (row.length !== 4 || !video || !label) {
      throw new UsageError(
        `${where} line ${line}: expected video,start,end,label, got ${JSON.stringify(row.join(','))}`,
      );
    }
    if (!Number.isFinite(start) || !Number.isFinite(end) || start < 0 || end <= start) {
      throw new UsageError(
        `${where} line ${line}: start and end must be seconds with 0 <= start < end, got ${startText}, ${endText}`,
      );
    }
    const segments = videos.get(video) ?? [];
    segments.push({ start, end, label });
    videos.set(video, segments);
  });
  if (videos.size === 0) throw new UsageError(`${where} has no annotation rows`);
  for (const segments of videos.values()) segments.sort((a, b) => a.start - b.start);
  const classes = [...new Set([...videos.values()].flat().map((s) => s.label))].sort();
  return { videos, classes };
}

/**
 * The label of the window whose last frame is at `t` seconds: the segment that holds `t`, or
 * undefined when none does (such windows are not trained on).
 */
export function labelAt(segments: readonly Segment[], t: number): string | undefined {
  // Frame times are printed with rounding: a hair of slack keeps a frame on its boundary inside.
  const time = t + 1e-6;
  return segments.find((s) => s.start <= time && time < s.end)?.label;
}
