import { dirname } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { freePort } from '../../support/free-port.js';
import { getFromWorker, sampleValue } from '../../support/metrics.js';
import { saveSeedModel } from '../../support/models.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/private-redis.js';
import { deletePrefix, freshPrefix, REDIS_URL, startWorker, waitFor } from '../../support/queue.js';
import { makeVideo } from '../../support/videos.js';

describe('worker metrics and health endpoints (--metrics-port)', () => {
  const redis = new Redis(REDIS_URL);
  const prefixes: string[] = [];
  let video: string;
  let model: string;

  beforeAll(async () => {
    video = await makeVideo({
      source: 'testsrc2',
      width: 48,
      height: 32,
      fps: 20,
      seconds: 2,
      codec: 'h264-mp4',
    });
    ({ dir: model } = await saveSeedModel({ height: 16, width: 16, timeSteps: 4 }));
  });

  afterAll(async () => {
    for (const prefix of prefixes) await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('after a job, /metrics shows its frames, labels, cache hits and outcome, and the queue', async () => {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    const env = { REDIS_URL, FRAMEWISE_PREFIX: prefix };
    const port = await freePort();
    const worker = await startWorker(
      ['--media-root', dirname(video), '--model', model, '--metrics-port', String(port)],
      env,
    );
    try {
      expect(await getFromWorker(port, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
      const ready = await getFromWorker(port, '/readyz');
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toEqual({
        ready: true,
        model: true,
        redis: true,
        stopping: false,
      });

      const done = await runCli(['enqueue', video, '--media-root', dirname(video), '--wait'], env);
      expect(done.code).toBe(0);
      const summary = JSON.parse(done.stdout) as { frames: number; windows: number };
      expect(summary).toMatchObject({ frames: 40, windows: 37 });
      const local = await runCli(['label', video, '--model', model, '--stats']);
      const stats = JSON.parse(local.stderr.trim().split('\n').at(-1)!) as { cacheHits: number };

      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(sampleValue(text, 'framewise_frames_decoded_total')).toBe(summary.frames);
      expect(sampleValue(text, 'framewise_labels_written_total')).toBe(summary.windows);
      expect(sampleValue(text, 'framewise_embedding_cache_hits_total')).toBe(stats.cacheHits);
      expect(sampleValue(text, 'framewise_jobs_total{outcome="completed"}')).toBe(1);
      expect(sampleValue(text, 'framewise_jobs_total{outcome="failed"}')).toBe(0);
      expect(sampleValue(text, 'framewise_active_jobs')).toBe(0);
      expect(sampleValue(text, 'framewise_queue_jobs{state="completed"}')).toBe(1);
      expect(sampleValue(text, 'framewise_queue_jobs{state="waiting"}')).toBe(0);
      expect(sampleValue(text, 'framewise_frames_dropped_total')).toBe(0);
      expect(text).toContain('# TYPE framewise_encoder_batch_duration_seconds histogram');
      // 40 frames in batches of at most 16 (a batch takes what is decoded): three or more.
      expect(
        sampleValue(text, 'framewise_encoder_batch_duration_seconds_count'),
      ).toBeGreaterThanOrEqual(3);
      expect(text).toContain('# TYPE framewise_capture_to_label_latency_seconds histogram');
      expect(sampleValue(text, 'framewise_process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(text.split('\n').filter((l) => l !== '' && !/^(# \w+ )?framewise_/.test(l))).toEqual(
        [],
      );
    } finally {
      expect(await worker.stop()).toBe(0);
    }
  });

  it('/readyz is 503 while Redis does not answer and 200 once it does; the worker waits, alive', async () => {
    const redisPort = await freePort();
    const metricsPort = await freePort();
    const url = `redis://127.0.0.1:${redisPort}`;
    const worker = await startWorker(
      ['--model', model, '--media-root', dirname(video)],
      { REDIS_URL: url, FRAMEWISE_METRICS_PORT: String(metricsPort) },
      { readyMessage: 'metrics server listening' },
    );
    let server: PrivateRedis | undefined;
    try {
      const waits = () =>
        worker.logs.filter((l) => l.msg === 'waiting for Redis: not answering yet');
      await waitFor(() => waits().length >= 2);
      const notReady = await getFromWorker(metricsPort, '/readyz');
      expect(notReady.status).toBe(503);
      expect(JSON.parse(notReady.body)).toMatchObject({ ready: false, model: true, redis: false });
      expect((await getFromWorker(metricsPort, '/healthz')).status).toBe(200);
      expect(worker.child.exitCode).toBeNull();
      expect(waits()[1]).toMatchObject({ level: 40, attempt: 2, retryInMs: 2000 });

      server = await startPrivateRedis(redisPort, url);
      await waitFor(async () => (await getFromWorker(metricsPort, '/readyz')).status === 200);
      expect(worker.logs.some((l) => l.msg === 'worker ready')).toBe(true);

      // Readiness follows the connection, not just start-up; the worker takes jobs again after.
      await server.stop();
      await waitFor(async () => (await getFromWorker(metricsPort, '/readyz')).status === 503);
      server = await startPrivateRedis(redisPort, url);
      await waitFor(async () => (await getFromWorker(metricsPort, '/readyz')).status === 200);
      const done = await runCli(['enqueue', video, '--media-root', dirname(video), '--wait'], {
        REDIS_URL: url,
      });
      expect(done.code).toBe(0);
    } finally {
      expect(await worker.stop()).toBe(0);
      await server?.stop();
    }
    await expect(getFromWorker(metricsPort, '/healthz')).rejects.toThrow();
  });

  it('SIGTERM while waiting for Redis exits 0 and closes the server', async () => {
    const metricsPort = await freePort();
    const worker = await startWorker(
      ['--model', model, '--metrics-port', String(metricsPort)],
      { REDIS_URL: `redis://127.0.0.1:${await freePort()}` },
      { readyMessage: 'metrics server listening' },
    );
    await waitFor(() => worker.logs.some((l) => l.msg === 'waiting for Redis: not answering yet'));
    expect(await worker.stop()).toBe(0);
  });

  it('SIGTERM after Redis went away exits 0 long before the grace period is over', async () => {
    const redisPort = await freePort();
    const url = `redis://127.0.0.1:${redisPort}`;
    const server = await startPrivateRedis(redisPort, url);
    const worker = await startWorker(['--model', model, '--threads', '0'], { REDIS_URL: url });
    // Gone, and the worker told at once: every step of closing waits on Redis unless bounded.
    await server.stop();
    const started = Date.now();
    const code = await Promise.race([
      worker.stop(),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20_000)),
    ]);
    if (code === 'hung') await worker.stop('SIGKILL');
    expect(code).toBe(0);
    // No job was running: nothing to give the default 25 s of grace to.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(worker.logs.some((l) => l.msg === 'worker stopped')).toBe(true);
  });

  it('refuses a metrics port out of range with exit status 2', async () => {
    const result = await runCli(['worker', '--metrics-port', '70000']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/metrics-port must be an integer >= 0 and <= 65535, got "70000"/);
  });
});
