import { formatLabelJson } from '../sink/jsonl-sink.js';

/**
 * A labels stream entry as the JSON line `framewise label` prints for the same label; an entry
 * without a `label` field (a gap marker) prints its fields as numbers where they are numbers.
 */
export function streamEntryJson(fields: readonly string[]): string {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const label = map.get('label');
  if (label === undefined) {
    const record: Record<string, number | string> = {};
    for (const [key, value] of map)
      record[key] = value !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
    return JSON.stringify(record);
  }
  const name = map.get('name');
  return formatLabelJson({
    frame: Number(map.get('frame')),
    start: Number(map.get('start')),
    t: Number(map.get('t')),
    label: Number(label),
    ...(name === undefined ? {} : { name }),
    score: Number(map.get('score')),
    scores: JSON.parse(map.get('scores') ?? '[]') as number[],
  });
}
