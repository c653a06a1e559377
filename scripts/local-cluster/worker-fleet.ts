import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageRoot } from '../../src/model/load/bundled-model.js';

/** How often readiness is polled while workers start, in milliseconds. */
const POLL_MS = 100;
/** Longest wait for a worker to be ready (model loaded, Redis answering), in milliseconds. */
const READY_TIMEOUT_MS = 60_000;

/** Options of {@link WorkerFleet.start}. */
export interface WorkerFleetOptions {
  /** Worker processes to run. */
  readonly workers: number;
  /** Extra worker options (`--media-root`, `--concurrency`, …). */
  readonly args: readonly string[];
  /** Extra environment (`REDIS_URL`, `FRAMEWISE_PREFIX`). */
  readonly env: NodeJS.ProcessEnv;
}

/** One worker process and the port of its metrics server. */
interface FleetWorker {
  readonly child: ChildProcess;
  readonly metricsPort: number;
  readonly exited: Promise<unknown>;
  log: string;
}

/**
 * N `node dist/workers/video-worker.js` processes on this machine, each with its metrics server
 * on a free port: what a Deployment's replicas are, without the containers. Readiness is read
 * from `/readyz`, as a kubelet reads it.
 */
export class WorkerFleet {
  private constructor(private readonly members: readonly FleetWorker[]) {}

  /** Starts the workers and resolves once every one answers 200 on `/readyz`. */
  static async start(options: WorkerFleetOptions): Promise<WorkerFleet> {
    const entry = join(packageRoot(), 'dist', 'workers', 'video-worker.js');
    const members: FleetWorker[] = [];
    for (let i = 0; i < options.workers; i += 1) {
      const metricsPort = await freePort();
      const child = spawn(process.execPath, [entry, ...options.args], {
        env: { ...process.env, ...options.env, FRAMEWISE_METRICS_PORT: String(metricsPort) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const member: FleetWorker = { child, metricsPort, exited: once(child, 'exit'), log: '' };
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (member.log += chunk));
      members.push(member);
    }
    const fleet = new WorkerFleet(members);
    try {
      await Promise.all(members.map((m) => waitUntilReady(m)));
    } catch (error) {
      await fleet.stop();
      throw error;
    }
    return fleet;
  }

  /** Each worker's metrics in the Prometheus text format, in start order. */
  scrape(): Promise<string[]> {
    return Promise.all(
      this.members.map(async (m) => {
        const response = await fetch(`http://127.0.0.1:${m.metricsPort}/metrics`);
        return response.text();
      }),
    );
  }

  /** SIGTERM to every worker (a graceful shutdown, as Kubernetes does) and waits for the exits. */
  async stop(): Promise<void> {
    for (const m of this.members) {
      if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGTERM');
    }
    await Promise.all(this.members.map((m) => m.exited));
  }
}

async function waitUntilReady(member: FleetWorker): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (member.child.exitCode !== null) throw new Error(`worker exited: ${member.log}`);
    try {
      const response = await fetch(`http://127.0.0.1:${member.metricsPort}/readyz`);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(POLL_MS);
  }
  throw new Error(`worker not ready within ${READY_TIMEOUT_MS} ms: ${member.log}`);
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
