import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { workersKey } from './queue-keys.js';

/** What a worker says of itself in {@link workersKey}, for the dashboard's health page. */
export interface WorkerCard {
  /** Its BullMQ worker name (jobs' `processedBy`). */
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  /** When it started and when it last said so, ms since the epoch. */
  readonly startedAt: number;
  readonly seenAt: number;
  readonly concurrency: number;
  /** Its `/metrics` URL, when it serves metrics (`--metrics-port`). */
  readonly metricsUrl?: string;
}

/** How often a worker renews its card, in ms. */
export const BEACON_INTERVAL_MS = 10_000;

/** A worker name unique to this process and worker: `<host>:<pid>:<random>`, no spaces. */
export function newWorkerName(): string {
  const host = hostname().replace(/[^\w.-]/g, '_');
  return `${host}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Keeps a worker's card in Redis while it runs: written at start, renewed every
 * {@link BEACON_INTERVAL_MS}, removed at close. A card whose `seenAt` is old belongs to a
 * worker that died without closing.
 */
export class WorkerBeacon {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly card: Omit<WorkerCard, 'seenAt'>,
  ) {}

  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => void this.renew().catch(() => undefined), BEACON_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.hdel(workersKey(this.prefix), this.card.name);
  }

  private async renew(): Promise<void> {
    const card: WorkerCard = { ...this.card, seenAt: Date.now() };
    await this.redis.hset(workersKey(this.prefix), this.card.name, JSON.stringify(card));
  }
}
