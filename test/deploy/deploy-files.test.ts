/**
 * deploy/ checked as far as a machine without a container engine or a cluster allows: every
 * file parses, and the values that must agree with the worker (ports, probe paths, grace
 * periods, the queue's Redis key, Redis' settings) do. Images are not built and manifests are
 * not applied here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QueueKeys } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { QUEUE_NAME } from '../../src/queue/queue-keys.js';
import { DEFAULT_PREFIX } from '../../src/options/queue-options.js';
import { WORKER_OPTIONS } from '../../src/options/worker-options.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const deploy = join(root, 'deploy');
const read = (path: string) => readFileSync(join(deploy, path), 'utf8');

/** Time after --shutdown-grace to hand jobs back and close connections, at least, in ms. */
const MIN_MARGIN_MS = 5000;
const DEFAULT_GRACE = String(WORKER_OPTIONS.shutdownGraceMs.schema.parse(undefined));

/** A value inside parsed YAML by its path of keys and indices; undefined where absent. */
function at(node: unknown, ...path: (string | number)[]): unknown {
  let here = node;
  for (const key of path) {
    if (typeof here !== 'object' || here === null) return undefined;
    here = (here as Record<string | number, unknown>)[key];
  }
  return here;
}

/** A list inside parsed YAML (empty where absent). */
function list(node: unknown, ...path: (string | number)[]): unknown[] {
  const value = at(node, ...path);
  return Array.isArray(value) ? value : [];
}

/** The value after `--name` in an argument list, else `fallback`. */
function flag(args: readonly string[], name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1]!;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerInstructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

const dockerfile = dockerInstructions(read('Dockerfile'));
const instructions = (op: string) => dockerfile.filter((i) => i.op === op).map((i) => i.args);
const imageEnv = instructions('ENV').join(' ');
const imageMetricsPort = /FRAMEWISE_METRICS_PORT=(\d+)/.exec(imageEnv)?.[1];

describe('deploy/Dockerfile', () => {
  it('is multi-stage on node:20-bookworm-slim with Debian ffmpeg and production deps only', () => {
    const from = instructions('FROM');
    expect(from.length).toBeGreaterThanOrEqual(2);
    for (const base of from) expect(base).toMatch(/^node:20-bookworm-slim\b/);
    const runs = instructions('RUN').join('\n');
    expect(runs).toMatch(/apt-get install[^\n]*\bffmpeg\b/);
    expect(runs).toMatch(/apt-get install[^\n]*\btini\b/);
    expect(runs).toMatch(/npm ci --omit=dev/);
    expect(imageEnv).toContain('FFMPEG_PATH=/usr/bin/ffmpeg');
  });

  it('runs as a numeric non-root user, under tini, with a health check on /healthz', () => {
    const user = instructions('USER').at(-1)!;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(user.split(':')[0]).not.toBe('0');
    const entrypoint = JSON.parse(instructions('ENTRYPOINT').at(-1)!) as string[];
    expect(entrypoint.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    expect(entrypoint.slice(2)).toEqual(['node', 'dist/workers/video-worker.js']);
    expect(existsSync(join(root, 'workers', 'video-worker.ts'))).toBe(true);
    expect(instructions('HEALTHCHECK').at(-1)).toMatch(/CMD .*\/healthz/);
    expect(instructions('EXPOSE')).toEqual([imageMetricsPort]);
  });

  it('copies only paths that exist', () => {
    for (const copy of instructions('COPY').filter((c) => !c.startsWith('--from'))) {
      const sources = copy.split(/\s+/).slice(0, -1);
      for (const source of sources) expect(existsSync(join(root, source)), source).toBe(true);
    }
  });
});

describe('deploy/Dockerfile.gpu', () => {
  const gpu = dockerInstructions(read('Dockerfile.gpu'));
  const of = (op: string) => gpu.filter((i) => i.op === op).map((i) => i.args);

  it("runs the CPU image's worker on a CUDA base, with onnxruntime-node's CUDA binaries", () => {
    expect(of('FROM').at(-1)).toMatch(/^nvidia\/cuda:12[.\d]*-cudnn-runtime-/);
    const runs = of('RUN').join('\n');
    expect(runs).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci --omit=dev/);
    expect(runs).toMatch(/apt-get install[^\n]*\bffmpeg\b[^\n]*\btini\b/);
    const env = of('ENV').join(' ');
    expect(env).toContain('FRAMEWISE_DEVICE=cuda');
    expect(env).toContain('FRAMEWISE_ENGINE=onnx');
    expect(of('USER').at(-1)).toBe(instructions('USER').at(-1));
    expect(of('ENTRYPOINT').at(-1)).toBe(instructions('ENTRYPOINT').at(-1));
    expect(of('HEALTHCHECK').at(-1)).toBe(instructions('HEALTHCHECK').at(-1));
  });

  it('copies only paths that exist', () => {
    for (const copy of of('COPY').filter((c) => !c.startsWith('--from'))) {
      const sources = copy.split(/\s+/).slice(0, -1);
      for (const source of sources) expect(existsSync(join(root, source)), source).toBe(true);
    }
  });
});

describe('deploy/compose.yaml', () => {
  const compose: unknown = parse(read('compose.yaml'), { merge: true });
  const redis = at(compose, 'services', 'redis');
  const worker = at(compose, 'services', 'worker');
  const enqueue = at(compose, 'services', 'enqueue');

  it('configures Redis as BullMQ needs: AOF on, maxmemory-policy noeviction', () => {
    const command = list(redis, 'command').join(' ');
    expect(command).toMatch(/--appendonly yes\b/);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
    expect(at(redis, 'volumes')).toEqual(['redis-data:/data']);
  });

  it('has a scalable worker whose stop grace covers --shutdown-grace', () => {
    const graceMs = Number(
      flag(list(worker, 'command') as string[], 'shutdown-grace', DEFAULT_GRACE),
    );
    const stop = /^(\d+)s$/.exec(String(at(worker, 'stop_grace_period')));
    expect(Number(stop?.[1]) * 1000).toBeGreaterThanOrEqual(graceMs + MIN_MARGIN_MS);
    // A fixed host port would stop `--scale worker=N` at the second replica.
    expect(at(worker, 'ports')).toBeUndefined();
    expect(at(worker, 'expose')).toEqual([imageMetricsPort]);
    expect(at(worker, 'environment')).toMatchObject({
      REDIS_URL: 'redis://redis:6379',
      FRAMEWISE_METRICS_PORT: imageMetricsPort,
    });
    expect(at(worker, 'depends_on')).toEqual({ redis: { condition: 'service_healthy' } });
    expect(at(worker, 'build')).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
  });

  it('has a one-shot enqueue example under a profile, on the same prefix', () => {
    expect(at(enqueue, 'profiles')).toEqual(['example']);
    expect(at(enqueue, 'restart')).toBe('no');
    expect(list(enqueue, 'entrypoint')).toContain('enqueue');
    expect(at(enqueue, 'environment', 'FRAMEWISE_PREFIX')).toBe(
      at(worker, 'environment', 'FRAMEWISE_PREFIX'),
    );
  });
});

describe('deploy/k8s', () => {
  const kustomization: unknown = parse(read('k8s/kustomization.yaml'));
  const objects = list(kustomization, 'resources').flatMap((file) =>
    parseAllDocuments(read(join('k8s', String(file)))).map((doc): unknown => doc.toJS()),
  );
  const byKind = (kind: string) => objects.find((o) => at(o, 'kind') === kind);
  const deployment = byKind('Deployment');
  const pod = at(deployment, 'spec', 'template', 'spec');
  const container = at(pod, 'containers', 0);
  const envVar = (name: string) => list(container, 'env').find((e) => at(e, 'name') === name);
  const prefix = String(at(envVar('FRAMEWISE_PREFIX'), 'value') ?? DEFAULT_PREFIX);
  const metricsPort = at(envVar('FRAMEWISE_METRICS_PORT'), 'value');

  it('probes readiness on /readyz and liveness on /healthz at the metrics port', () => {
    const port = list(container, 'ports').find((p) => at(p, 'name') === 'metrics');
    expect(String(at(port, 'containerPort'))).toBe(metricsPort);
    expect(metricsPort).toBe(imageMetricsPort);
    expect(at(container, 'readinessProbe', 'httpGet')).toEqual({
      path: '/readyz',
      port: 'metrics',
    });
    expect(at(container, 'livenessProbe', 'httpGet')).toEqual({
      path: '/healthz',
      port: 'metrics',
    });
    const annotations = at(deployment, 'spec', 'template', 'metadata', 'annotations');
    expect(at(annotations, 'prometheus.io/port')).toBe(metricsPort);
  });

  it('gives a terminating pod at least --shutdown-grace plus a margin', () => {
    const graceMs = Number(
      flag(list(container, 'args') as string[], 'shutdown-grace', DEFAULT_GRACE),
    );
    const periodSec = Number(at(pod, 'terminationGracePeriodSeconds'));
    expect(periodSec * 1000).toBeGreaterThanOrEqual(graceMs + MIN_MARGIN_MS);
  });

  it('sets resources, takes the Redis URL from a Secret and runs as the image user', () => {
    expect(at(container, 'resources', 'requests', 'cpu')).toBeDefined();
    expect(at(container, 'resources', 'requests', 'memory')).toBeDefined();
    expect(at(container, 'resources', 'limits', 'memory')).toBeDefined();
    expect(at(envVar('REDIS_URL'), 'valueFrom', 'secretKeyRef', 'name')).toBe('framewise-redis');
    expect(at(pod, 'securityContext', 'runAsNonRoot')).toBe(true);
    const imageUser = instructions('USER').at(-1)!.split(':')[0];
    expect(String(at(pod, 'securityContext', 'runAsUser'))).toBe(imageUser);
  });

  it('has a PodDisruptionBudget for the worker pods', () => {
    const pdb = byKind('PodDisruptionBudget');
    const selector = at(pdb, 'spec', 'selector', 'matchLabels');
    expect(selector).toEqual(at(deployment, 'spec', 'selector', 'matchLabels'));
    expect(at(deployment, 'spec', 'template', 'metadata', 'labels')).toMatchObject(
      selector as object,
    );
    expect(at(pdb, 'spec', 'maxUnavailable') ?? at(pdb, 'spec', 'minAvailable')).toBeDefined();
  });

  it("scales on the length of the queue's actual wait list for the configured prefix", () => {
    const scaled = byKind('ScaledObject');
    expect(at(scaled, 'spec', 'scaleTargetRef', 'name')).toBe(at(deployment, 'metadata', 'name'));
    const trigger = at(scaled, 'spec', 'triggers', 0);
    expect(at(trigger, 'type')).toBe('redis');
    // BullMQ's own key names, not a copy of them: an upgrade that renames the list fails here.
    const waitKey = new QueueKeys(prefix).getKeys(QUEUE_NAME).wait;
    expect(at(trigger, 'metadata', 'listName')).toBe(waitKey);
    expect(Number(at(trigger, 'metadata', 'listLength'))).toBeGreaterThan(0);
    const auth = byKind('TriggerAuthentication');
    expect(at(trigger, 'authenticationRef', 'name')).toBe(at(auth, 'metadata', 'name'));
    expect(Number(at(scaled, 'spec', 'minReplicaCount'))).toBeGreaterThanOrEqual(1);
  });

  it('points Redis at a chart configured with AOF and noeviction', () => {
    const values: unknown = parse(read('k8s/redis-values.yaml'));
    const config = String(at(values, 'commonConfiguration'));
    expect(config).toMatch(/^appendonly yes$/m);
    expect(config).toMatch(/^maxmemory-policy noeviction$/m);
    expect(at(values, 'master', 'persistence', 'enabled')).toBe(true);
  });
});
