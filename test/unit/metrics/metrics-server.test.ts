import { afterEach, describe, expect, it } from 'vitest';
import { MetricsServer } from '../../../src/metrics/metrics-server.js';
import { Readiness } from '../../../src/metrics/readiness.js';
import { WorkerMetrics } from '../../../src/metrics/worker-metrics.js';
import { sampleValue } from '../../support/metrics.js';

describe('MetricsServer', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(metrics = new WorkerMetrics(), readiness = new Readiness()) {
    server = await MetricsServer.listen({ port: 0, host: '127.0.0.1', metrics, readiness });
    const get = async (path: string, method = 'GET') => {
      const response = await fetch(`http://127.0.0.1:${server!.port}${path}`, { method });
      return { status: response.status, body: await response.text() };
    };
    return { metrics, readiness, get };
  }

  it('readyz is 503 until the model is loaded and Redis answers, and again once stopping', async () => {
    const { readiness, get } = await start();
    let redisUp = true;
    expect(await get('/readyz')).toEqual({
      status: 503,
      body: '{"ready":false,"model":false,"redis":false,"stopping":false}',
    });
    readiness.modelLoaded();
    expect((await get('/readyz')).status).toBe(503);
    readiness.redisCheck(() => redisUp);
    expect((await get('/readyz')).status).toBe(200);
    redisUp = false;
    expect((await get('/readyz')).status).toBe(503);
    redisUp = true;
    readiness.stop();
    expect(JSON.parse((await get('/readyz')).body)).toMatchObject({ ready: false, stopping: true });
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
  });

  it('serves the registry: job hooks, outcomes, active jobs and the queue depth', async () => {
    const { metrics, get } = await start();
    metrics.observeQueue(async () => ({ waiting: 3, active: 1 }));
    metrics.jobStarted();
    metrics.job.framesDecoded(40);
    metrics.job.labelsWritten(37);
    metrics.job.encoderBatch(0.008);
    metrics.jobEnded('retried');
    metrics.jobStarted();
    const { body } = await get('/metrics');
    expect(sampleValue(body, 'framewise_frames_decoded_total')).toBe(40);
    expect(sampleValue(body, 'framewise_labels_written_total')).toBe(37);
    expect(sampleValue(body, 'framewise_jobs_total{outcome="retried"}')).toBe(1);
    expect(sampleValue(body, 'framewise_jobs_total{outcome="completed"}')).toBe(0);
    expect(sampleValue(body, 'framewise_active_jobs')).toBe(1);
    expect(sampleValue(body, 'framewise_queue_jobs{state="waiting"}')).toBe(3);
    expect(sampleValue(body, 'framewise_encoder_batch_duration_seconds_bucket{le="0.01"}')).toBe(1);
    expect(sampleValue(body, 'framewise_encoder_batch_duration_seconds_bucket{le="0.005"}')).toBe(
      0,
    );
  });

  it('a queue depth that does not answer is left out, and the scrape still answers', async () => {
    const { metrics, get } = await start();
    metrics.observeQueue(() => new Promise(() => undefined));
    const started = performance.now();
    const { status, body } = await get('/metrics');
    expect(status).toBe(200);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(body).not.toMatch(/^framewise_queue_jobs\{/m);
    expect(body).toContain('framewise_active_jobs 0');
  });

  it('two workers in one process keep separate registries', async () => {
    const a = new WorkerMetrics();
    const b = new WorkerMetrics();
    a.job.labelsWritten(5);
    const text = await b.registry.metrics();
    expect(sampleValue(text, 'framewise_labels_written_total')).toBe(0);
  });

  it('answers 404 for other paths, 405 for other methods; close is idempotent', async () => {
    const { get } = await start();
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/metrics', 'POST')).status).toBe(405);
    const first = server!.close();
    expect(server!.close()).toBe(first);
    await first;
    await expect(get('/healthz')).rejects.toThrow();
  });
});
