import type { Redis } from 'ioredis';
import type { Label } from '../pipeline/label.js';

/** Entries fetched per round trip. */
const PAGE = 1000;

/** The labels in a job's stream, in order; gap markers (entries without a label) are skipped. */
export async function* readLabels(redis: Redis, key: string): AsyncGenerator<Label> {
  let from = '-';
  for (;;) {
    const entries = await redis.xrange(key, from, '+', 'COUNT', PAGE);
    for (const [, fields] of entries) {
      const label = entryLabel(fields);
      if (label !== undefined) yield label;
    }
    if (entries.length < PAGE) return;
    from = `(${entries[entries.length - 1]![0]}`;
  }
}

/** A stream entry's fields as a label; undefined for a gap marker. */
export function entryLabel(fields: readonly string[]): Label | undefined {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const label = map.get('label');
  if (label === undefined) return undefined;
  const name = map.get('name');
  return {
    frame: Number(map.get('frame')),
    start: Number(map.get('start')),
    t: Number(map.get('t')),
    label: Number(label),
    ...(name === undefined ? {} : { name }),
    score: Number(map.get('score')),
    scores: JSON.parse(map.get('scores') ?? '[]') as number[],
    ...(map.has('latencyMs') ? { latencyMs: Number(map.get('latencyMs')) } : {}),
  };
}
