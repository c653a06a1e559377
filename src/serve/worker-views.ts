import type { QueueClient } from '../queue/queue-client.js';
import { workersKey } from '../queue/queue-keys.js';
import { BEACON_INTERVAL_MS, type WorkerCard } from '../queue/worker-beacon.js';

/** A card not renewed for this long belongs to a worker that is gone, in ms. */
const CARD_STALE_MS = 3 * BEACON_INTERVAL_MS;
/** Cards of workers gone this long are removed, in ms. */
const CARD_FORGET_MS = 3600_000;

/** One worker as the health page shows it. */
export interface WorkerRow {
  /** Its BullMQ worker name; `(unnamed)` for a BullMQ worker that has none. */
  readonly name: string;
  /** Whether BullMQ's client list has its connection now. */
  readonly connected: boolean;
  /** Its connection's address as Redis sees it. */
  readonly address?: string;
  /** What it said of itself, when it is a framewise worker that says so. */
  readonly card?: WorkerCard;
  /** True when its card has not been renewed lately (the worker may be gone). */
  readonly stale: boolean;
  /** Ids of the jobs it is running. */
  readonly jobs: readonly string[];
}

/**
 * The workers of the queue: those BullMQ's client list shows (connections named after the
 * queue), joined with the cards framewise workers keep and the active jobs' `processedBy`.
 */
export async function listWorkers(client: QueueClient, now = Date.now()): Promise<WorkerRow[]> {
  const [connections, cards, active] = await Promise.all([
    client.queue.getWorkers(),
    client.redis.hgetall(workersKey(client.prefix)),
    client.queue.getJobs(['active'], 0, 999, true),
  ]);
  const jobsOf = new Map<string, string[]>();
  for (const job of active) {
    if (job?.processedBy === undefined || job.id === undefined) continue;
    jobsOf.set(job.processedBy, [...(jobsOf.get(job.processedBy) ?? []), job.id]);
  }
  const rows = new Map<string, WorkerRow>();
  for (const connection of connections) {
    const raw = connection.rawname ?? '';
    const at = raw.indexOf(':w:');
    const name = at < 0 ? '(unnamed)' : raw.slice(at + 3);
    if (rows.has(name)) continue;
    rows.set(name, {
      name,
      connected: true,
      ...(connection.addr === undefined ? {} : { address: connection.addr }),
      stale: false,
      jobs: jobsOf.get(name) ?? [],
    });
  }
  const forgotten: string[] = [];
  for (const [name, json] of Object.entries(cards)) {
    let card: WorkerCard;
    try {
      card = JSON.parse(json) as WorkerCard;
    } catch {
      forgotten.push(name);
      continue;
    }
    const age = now - card.seenAt;
    if (age > CARD_FORGET_MS) forgotten.push(name);
    const row = rows.get(name);
    if (row !== undefined) {
      rows.set(name, { ...row, card, stale: age > CARD_STALE_MS });
    } else if (age <= CARD_STALE_MS) {
      // Its card is fresh but its connection is not listed: reconnecting to Redis.
      rows.set(name, { name, connected: false, card, stale: false, jobs: jobsOf.get(name) ?? [] });
    }
  }
  if (forgotten.length > 0) await client.redis.hdel(workersKey(client.prefix), ...forgotten);
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
}
