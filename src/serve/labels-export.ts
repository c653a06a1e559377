import type { Redis } from 'ioredis';
import { labelRecord } from '../output/jsonl-sink.js';
import { entryLabel } from '../output/read-labels.js';
import { streamEntryJson } from '../output/stream-entry-json.js';

/** Entries read per round trip. */
const PAGE = 1000;

/** The formats labels download in. */
export type ExportFormat = 'jsonl' | 'csv';

/**
 * A job's labels stream as a file, in pages of text: JSON lines as `watch` prints them, or CSV
 * with one row per entry (`frame,start,t,label,name,score,latencyMs,gap`, then one
 * `score_<i>` column per class). Gap markers are rows with `gap` set and no label.
 */
export async function* exportLabels(
  redis: Redis,
  key: string,
  format: ExportFormat,
): AsyncGenerator<string> {
  let from = '-';
  let classes: number | undefined;
  for (;;) {
    const entries = await redis.xrange(key, from, '+', 'COUNT', PAGE);
    let text = '';
    for (const [, fields] of entries) {
      if (format === 'jsonl') {
        text += `${streamEntryJson(fields)}\n`;
        continue;
      }
      const label = entryLabel(fields);
      if (classes === undefined && label !== undefined) {
        classes = label.scores.length;
        text = `${csvHeader(classes)}${text}`;
      }
      text += csvRow(fields, classes ?? 0);
    }
    if (format === 'csv' && classes === undefined && entries.length < PAGE) {
      // No label at all (an empty stream, or only gaps): the header without score columns.
      text = `${csvHeader(0)}${text}`;
      classes = 0;
    }
    if (text !== '') yield text;
    if (entries.length < PAGE) return;
    from = `(${entries[entries.length - 1]![0]}`;
  }
}

const COLUMNS = ['frame', 'start', 't', 'label', 'name', 'score', 'latencyMs', 'gap'];

function csvHeader(classes: number): string {
  const scores = Array.from({ length: classes }, (_, i) => `score_${i}`);
  return `${[...COLUMNS, ...scores].join(',')}\n`;
}

function csvRow(fields: readonly string[], classes: number): string {
  const label = entryLabel(fields);
  if (label === undefined) {
    const map = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
    const cells = [map.get('frame'), '', map.get('t'), '', '', '', '', map.get('gap')];
    return `${[...cells.map((cell) => csvNumber(cell)), ...Array<string>(classes).fill('')].join(',')}\n`;
  }
  const record = labelRecord(label);
  const cells = [
    String(record.frame),
    String(record.start),
    String(record.t),
    String(record.label),
    csvText(label.name ?? ''),
    String(record.score),
    label.latencyMs === undefined ? '' : String(label.latencyMs),
    '',
  ];
  const scores = Array.from({ length: classes }, (_, i) => {
    const score = record.scores[i];
    return score === undefined ? '' : String(score);
  });
  return `${[...cells, ...scores].join(',')}\n`;
}

/** A numeric field as written, or empty when it is not a number. */
function csvNumber(value: string | undefined): string {
  return value !== undefined && value !== '' && Number.isFinite(Number(value)) ? value : '';
}

/**
 * Text quoted as RFC 4180 asks when it holds a comma, quote or line break; a leading `=`, `+`,
 * `-`, `@`, tab or carriage return gets a `'` before it, so that a class name cannot run as a
 * formula in a spreadsheet.
 */
export function csvText(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
