import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context } from 'hono';
import { stream, streamSSE } from 'hono/streaming';
import { FramewiseError, isUserError } from '../errors.js';
import { packageRoot } from '../model/load/bundled-model.js';
import { streamEntryJson } from '../output/stream-entry-json.js';
import { confineToMediaRoots } from '../policy/confine-to-media-roots.js';
import { resolveInput } from '../policy/input-location.js';
import { checkInput, type UrlPolicy } from '../policy/url-policy.js';
import type { QueueClient } from '../queue/queue-client.js';
import { labelsKey } from '../queue/queue-keys.js';
import { parseVideoJob, MAX_PAYLOAD_BYTES, type VideoJobData } from '../queue/video-job.js';
import { accessGate } from './access.js';
import { LabelFeeds, type StreamEntry } from './label-feed.js';
import { exportLabels, type ExportFormat } from './labels-export.js';
import { JOB_STATES, jobDetail, listJobs, type JobState } from './job-views.js';
import { isStreamId } from './stream-id.js';
import { listWorkers } from './worker-views.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** The queue and Redis connections it reads and changes. */
  readonly client: QueueClient;
  readonly port: number;
  readonly host: string;
  /** Required on every request when set. */
  readonly token?: string;
  /** Checks inputs of the enqueue form; its media roots are also the only files served. */
  readonly policy: UrlPolicy;
  /** Tries and first retry delay of jobs added from the page, as `enqueue`'s defaults. */
  readonly attempts: number;
  readonly backoffMs: number;
  /** Where the pages' files are. @defaultValue the package's `web/` */
  readonly webRoot?: string;
  /** How long an SSE stream's blocking read waits before the job's state is looked at, ms. */
  readonly blockMs?: number;
}

/** A running dashboard. */
export interface Dashboard {
  /** `http://host:port`, with the port the kernel picked when asked for 0. */
  readonly url: string;
  readonly port: number;
  /** Live label streams followed now (one Redis connection each). */
  readonly feeds: LabelFeeds;
  /** Stops serving: ends every SSE stream and closes the listening socket. */
  close(): Promise<void>;
}

/** Most jobs the jobs page lists. */
const MAX_LISTED = 500;
/** How often an idle SSE stream sends a comment, so that proxies keep it open, in ms. */
const KEEPALIVE_MS = 15_000;
/** What a reconnecting EventSource waits before it tries again, in ms. */
const SSE_RETRY_MS = 1000;
/** Job ids in paths: what BullMQ and `--job-id` produce, printable and bounded. */
const JOB_ID = /^[\x21-\x7e]{1,256}$/;

const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** bull-board's React page: its own scripts, inline styles, nothing from elsewhere. */
const BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The web dashboard: the jobs page, each job's page with its live label timeline (Server-Sent
 * Events from the job's labels stream) and its video, the workers' health, and bull-board at
 * `/queues`; a JSON API under `/api` that the pages use.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { client } = options;
  const webRoot = options.webRoot ?? join(packageRoot(), 'web');
  const feeds = new LabelFeeds({
    redis: client.redis,
    isFinished: async (jobId) => {
      const state = await client.queue.getJobState(jobId);
      return state === 'completed' || state === 'failed' || state === 'unknown';
    },
    ...(options.blockMs === undefined ? {} : { blockMs: options.blockMs }),
  });
  const app = new Hono();

  app.use('*', async (c, next) => {
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    await next();
  });
  app.use('*', accessGate(options.token));
  app.onError((error, c) => {
    if (error instanceof FramewiseError && isUserError(error)) {
      return c.json({ error: error.message, code: error.code }, 400);
    }
    return c.json({ error: error instanceof Error ? error.message : String(error) }, 500);
  });

  const page = (file: string) => async (c: Context) => {
    c.header('Content-Security-Policy', PAGE_CSP);
    c.header('Cache-Control', 'no-cache');
    return serveStatic({ path: join(webRoot, file) })(c, async () => undefined);
  };
  app.get('/', page('index.html'));
  app.get('/jobs/:id', page('job.html'));
  app.get('/workers', page('workers.html'));
  app.get('/healthz', (c) => c.text('ok\n'));
  // The pages' scripts and style sheet by name: nothing else of the folder, no listing.
  app.get('/static/:file{[a-z][a-z-]*\\.(?:js|css)}', async (c) => {
    c.header('Cache-Control', 'no-cache');
    const served = await serveStatic({ path: join(webRoot, c.req.param('file')) })(
      c,
      async () => undefined,
    );
    return served ?? c.notFound();
  });

  app.get('/api/jobs', async (c) => {
    const states = parseStates(c.req.query('state'));
    if (states === undefined) {
      return c.json(
        { error: `state must be a comma-separated list of ${JOB_STATES.join(', ')}` },
        400,
      );
    }
    const limit = Number(c.req.query('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LISTED) {
      return c.json({ error: `limit must be an integer from 1 to ${MAX_LISTED}` }, 400);
    }
    return c.json(await listJobs(client, states, limit));
  });

  app.post('/api/jobs', async (c) => {
    const body = await readJson(c);
    if (body === undefined) {
      return c.json(
        { error: `send the job as a JSON object of at most ${MAX_PAYLOAD_BYTES} bytes` },
        400,
      );
    }
    // The checks `enqueue` and the worker make: fields and bounds, then the URL policy.
    parseVideoJob(body);
    const data = body as VideoJobData;
    const checked = await checkInput(data.url, options.policy);
    const job = await client.add(
      { ...data, url: checked.input },
      { attempts: options.attempts, backoffMs: options.backoffMs },
    );
    return c.json({ id: job.id }, 201);
  });

  app.get('/api/jobs/:id', async (c) => {
    const jobId = jobIdOf(c);
    const detail = jobId === undefined ? undefined : await jobDetail(client, jobId);
    if (detail === undefined) return c.json({ error: 'no such job' }, 404);
    const media = await mediaPath(detail.url === '' ? undefined : await jobInput(jobId!));
    return c.json({ ...detail, video: media !== undefined });
  });

  app.post('/api/jobs/:id/cancel', async (c) => {
    const jobId = jobIdOf(c);
    const job = jobId === undefined ? undefined : await client.queue.getJob(jobId);
    if (job === undefined) return c.json({ error: 'no such job' }, 404);
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') {
      return c.json({ error: `job ${jobId} has already ${state}` }, 409);
    }
    await client.requestCancel(jobId!);
    return c.json({ id: jobId, cancelling: true }, 202);
  });

  app.post('/api/jobs/:id/retry', async (c) => {
    const jobId = jobIdOf(c);
    const job = jobId === undefined ? undefined : await client.queue.getJob(jobId);
    if (job === undefined) return c.json({ error: 'no such job' }, 404);
    if ((await job.getState()) !== 'failed') {
      return c.json(
        { error: `only a failed job can be retried; job ${jobId} has not failed` },
        409,
      );
    }
    await client.withdrawCancel(jobId!);
    await job.retry('failed');
    return c.json({ id: jobId, retried: true }, 202);
  });

  app.get('/api/jobs/:id/labels', async (c) => {
    const jobId = jobIdOf(c);
    if (jobId === undefined || !(await jobExists(jobId))) {
      return c.json({ error: 'no such job' }, 404);
    }
    const resume = c.req.header('last-event-id') ?? c.req.query('lastEventId') ?? '0-0';
    if (!isStreamId(resume)) {
      return c.json(
        { error: 'Last-Event-ID must be a stream entry ID such as 1700000000000-0' },
        400,
      );
    }
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (sse) => {
      const stop = new AbortController();
      sse.onAbort(() => stop.abort());
      const keepalive = setInterval(() => void sse.write(': keepalive\n\n'), KEEPALIVE_MS);
      try {
        await sse.write(`retry: ${SSE_RETRY_MS}\n\n`);
        const write = async (entries: readonly StreamEntry[]) => {
          let text = '';
          for (const [id, fields] of entries) text += `id: ${id}\ndata: ${sseData(fields)}\n\n`;
          await sse.write(text);
        };
        await feeds.follow(jobId, labelsKey(client.prefix, jobId), resume, write, stop.signal);
      } finally {
        clearInterval(keepalive);
      }
    });
  });

  for (const format of ['jsonl', 'csv'] as const satisfies readonly ExportFormat[]) {
    app.get(`/api/jobs/:id/labels.${format}`, async (c) => {
      const jobId = jobIdOf(c);
      if (jobId === undefined || !(await jobExists(jobId))) {
        return c.json({ error: 'no such job' }, 404);
      }
      c.header(
        'Content-Type',
        format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      );
      c.header('Content-Disposition', `attachment; filename="${downloadName(jobId)}.${format}"`);
      return stream(c, async (out) => {
        for await (const text of exportLabels(
          client.redis,
          labelsKey(client.prefix, jobId),
          format,
        )) {
          if (out.aborted) return;
          await out.write(text);
        }
      });
    });
  }

  app.get('/api/jobs/:id/video', async (c) => {
    const jobId = jobIdOf(c);
    const path = jobId === undefined ? undefined : await mediaPath(await jobInput(jobId));
    if (path === undefined) {
      return c.json(
        { error: 'this job has no video file under a media root of the dashboard' },
        404,
      );
    }
    c.header('Cache-Control', 'no-cache');
    c.header('Accept-Ranges', 'bytes');
    const served = await serveStatic({ path })(c, async () => undefined);
    return served ?? c.json({ error: 'the video file is gone' }, 404);
  });

  app.get('/api/workers', async (c) => c.json({ workers: await listWorkers(client) }));

  // bull-board's page asks Google for fonts: kept to this server, it falls back to the system's.
  app.use('/queues/*', async (c, next) => {
    await next();
    c.res.headers.set('Content-Security-Policy', BOARD_CSP);
  });
  const board = new HonoAdapter(serveStatic);
  createBullBoard({
    queues: [new BullMQAdapter(client.queue, { displayName: `videos (prefix ${client.prefix})` })],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'framewise' } },
  });
  board.setBasePath('/queues');
  app.route('/queues', board.registerPlugin());

  async function jobExists(jobId: string): Promise<boolean> {
    if ((await client.queue.getJobState(jobId)) !== 'unknown') return true;
    return (await client.redis.exists(labelsKey(client.prefix, jobId))) === 1;
  }

  async function jobInput(jobId: string): Promise<string | undefined> {
    const job = await client.queue.getJob(jobId);
    const url = (job?.data as Partial<VideoJobData> | undefined)?.url;
    return typeof url === 'string' ? url : undefined;
  }

  /** The real path of a job's input when it is a file under a media root; else undefined. */
  async function mediaPath(input: string | undefined): Promise<string | undefined> {
    if (input === undefined || options.policy.mediaRoots.length === 0) return undefined;
    let path: string | undefined;
    try {
      path = resolveInput(input).path;
    } catch {
      return undefined;
    }
    if (path === undefined) return undefined;
    try {
      return await confineToMediaRoots(path, options.policy.mediaRoots, process.cwd(), path);
    } catch {
      return undefined;
    }
  }

  const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host }) as Server;
  if (!server.listening) await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    feeds,
    close() {
      closing ??= (async () => {
        feeds.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

function jobIdOf(c: Context): string | undefined {
  const id = c.req.param('id');
  return id !== undefined && JOB_ID.test(id) ? id : undefined;
}

function parseStates(query: string | undefined): JobState[] | undefined {
  if (query === undefined || query === '' || query === 'all') return [...JOB_STATES];
  const states = query.split(',');
  return states.every((state) => (JOB_STATES as readonly string[]).includes(state))
    ? (states as JobState[])
    : undefined;
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The JSON line `watch` prints for an entry: JSON.stringify escapes line breaks, so one line. */
function sseData(fields: readonly string[]): string {
  return streamEntryJson(fields);
}

/** A file name for downloads: the job id with anything unusual replaced. */
function downloadName(jobId: string): string {
  return `labels-${jobId.replace(/[^\w.-]/g, '_').slice(0, 100)}`;
}
