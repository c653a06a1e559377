import { formatLabelJson } from './jsonl-sink.js';
import { entryLabel } from './read-labels.js';

/**
 * A labels stream entry as the JSON line `framewise label` prints for the same label; an entry
 * without a `label` field (a gap marker) prints its fields as numbers where they are numbers.
 */
export function streamEntryJson(fields: readonly string[]): string {
  const label = entryLabel(fields);
  if (label !== undefined) return formatLabelJson(label);
  const record: Record<string, number | string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    record[fields[i]!] = value !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return JSON.stringify(record);
}
