import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueClient } from '../../../src/queue/queue-client.js';
import { labelsKey } from '../../../src/queue/queue-keys.js';
import { startDashboard, type Dashboard } from '../../../src/serve/dashboard.js';
import { streamEntryJson } from '../../../src/output/stream-entry-json.js';
import { runCli } from '../../support/cli.js';
import { deletePrefix, freshPrefix, REDIS_URL } from '../../support/queue.js';
import { makeVideo } from '../../support/videos.js';

const TOKEN = 'a-long-enough-test-token';

describe('framewise serve: the HTTP side', () => {
  const prefix = freshPrefix();
  const redis = new Redis(REDIS_URL);
  let client: QueueClient;
  let open: Dashboard;
  let locked: Dashboard;
  let media: string;
  let outside: string;
  let video: string;

  beforeAll(async () => {
    media = await mkdtemp(join(tmpdir(), 'framewise-media-'));
    outside = await mkdtemp(join(tmpdir(), 'framewise-outside-'));
    const made = await makeVideo({
      source: 'testsrc2',
      width: 64,
      height: 48,
      fps: 25,
      seconds: 2,
      codec: 'vp9-webm',
    });
    video = join(media, 'clip.webm');
    await writeFile(video, await (await import('node:fs/promises')).readFile(made));
    await writeFile(join(outside, 'secret.webm'), 'not for you');
    await mkdir(join(media, 'sub'));
    await symlink(join(outside, 'secret.webm'), join(media, 'sub', 'link.webm'));
    client = await QueueClient.open(REDIS_URL, prefix);
    const common = {
      client,
      port: 0,
      host: '127.0.0.1',
      policy: { mediaRoots: [media], allowPrivate: false },
      attempts: 1,
      backoffMs: 1000,
    };
    open = await startDashboard(common);
    locked = await startDashboard({ ...common, token: TOKEN });
  });

  afterAll(async () => {
    await open?.close();
    await locked?.close();
    await client?.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  const get = (board: Dashboard, path: string, headers: Record<string, string> = {}) =>
    fetch(`${board.url}${path}`, { headers, redirect: 'manual' });
  const postJson = (
    board: Dashboard,
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${board.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  describe('with a token', () => {
    it('refuses every route without it: pages, API, SSE, media, bull-board', async () => {
      for (const path of [
        '/',
        '/jobs/1',
        '/api/jobs',
        '/api/jobs/1/labels',
        '/api/jobs/1/video',
        '/queues',
        '/static/style.css',
        '/healthz',
      ]) {
        const response = await get(locked, path);
        expect(response.status, path).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
      expect(
        (await get(locked, '/api/jobs', { authorization: 'Bearer wrong-token-of-some-length' }))
          .status,
      ).toBe(401);
      expect((await postJson(locked, '/api/jobs', { url: video })).status).toBe(401);
    });

    it('takes it as a bearer header, a cookie, or ?token= (which sets the cookie and drops it from the URL)', async () => {
      expect((await get(locked, '/api/jobs', { authorization: `Bearer ${TOKEN}` })).status).toBe(
        200,
      );
      const first = await get(locked, `/?state=failed&token=${TOKEN}`, { accept: 'text/html' });
      expect(first.status).toBe(303);
      expect(first.headers.get('location')).toBe('/?state=failed');
      const cookie = first.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/framewise_token=/);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);
      const page = await get(locked, '/', { cookie: cookie.split(';')[0]! });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<title>framewise/);
    });

    it('is required to listen beyond loopback', async () => {
      const refused = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], {
        REDIS_URL,
        FRAMEWISE_PREFIX: prefix,
      });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--token/);
      const short = await runCli(['serve', '--token', 'short'], { REDIS_URL });
      expect(short.code).toBe(2);
      expect(short.stderr).toMatch(/16 to 256/);
    });
  });

  describe('without a token, on loopback', () => {
    it('answers only to loopback host names (no DNS rebinding)', async () => {
      const url = new URL(open.url);
      const raw = async (host: string) => {
        const { request } = await import('node:http');
        return new Promise<number>((resolve, reject) => {
          const req = request(
            { host: url.hostname, port: url.port, path: '/api/jobs', headers: { host } },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.end();
        });
      };
      expect(await raw(`evil.example:${url.port}`)).toBe(403);
      expect(await raw(`localhost:${url.port}`)).toBe(200);
      expect(await raw(`127.0.0.1:${url.port}`)).toBe(200);
    });

    it('refuses a change from another origin (no CSRF)', async () => {
      const response = await postJson(
        open,
        '/api/jobs',
        { url: video },
        { origin: 'https://evil.example' },
      );
      expect(response.status).toBe(403);
      const siteless = await postJson(
        open,
        '/api/jobs/1/cancel',
        {},
        { 'sec-fetch-site': 'cross-site' },
      );
      expect(siteless.status).toBe(403);
    });
  });

  describe('the enqueue form’s API', () => {
    it('adds a job with the same checks as enqueue', async () => {
      const added = await postJson(open, '/api/jobs', { url: video, stride: 2 });
      expect(added.status).toBe(201);
      const { id } = (await added.json()) as { id: string };
      const job = await client.queue.getJob(id);
      expect(job?.data).toEqual({ url: video, stride: 2 });
    });

    it('refuses what enqueue refuses, with its message', async () => {
      const cases: [unknown, RegExp][] = [
        [{ url: join(outside, 'secret.webm') }, /not under a media root/],
        [{ url: 'http://127.0.0.1/x.mp4' }, /refused/i],
        [{ url: 'file:///etc/passwd' }, /media root/],
        [{ url: video, window: 1e9 }, /window/],
        [{ url: video, nonsense: 1 }, /nonsense/],
        [{ url: '' }, /url/],
        [{ url: video, fps: 'fast' }, /fps/],
      ];
      for (const [body, message] of cases) {
        const response = await postJson(open, '/api/jobs', body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(((await response.json()) as { error: string }).error).toMatch(message);
      }
      const huge = await postJson(open, '/api/jobs', { url: video, pad: 'x'.repeat(20_000) });
      expect(huge.status).toBe(400);
      const notJson = await fetch(`${open.url}/api/jobs`, { method: 'POST', body: 'url=/x' });
      expect(notJson.status).toBe(400);
    });
  });

  describe('the media route', () => {
    it('serves a job’s file under a media root with range requests', async () => {
      const job = await client.add({ url: video }, { attempts: 1, backoffMs: 0 });
      const whole = await get(open, `/api/jobs/${job.id}/video`);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-type')).toBe('video/webm');
      const size = (await whole.arrayBuffer()).byteLength;
      const part = await get(open, `/api/jobs/${job.id}/video`, { range: 'bytes=10-109' });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 10-109/${size}`);
      expect((await part.arrayBuffer()).byteLength).toBe(100);
      const detail = (await (await get(open, `/api/jobs/${job.id}`)).json()) as { video: boolean };
      expect(detail.video).toBe(true);
    });

    it('serves nothing outside the media roots: a file elsewhere, a symlink out, a URL job', async () => {
      const inputs = [
        join(outside, 'secret.webm'),
        join(media, 'sub', 'link.webm'),
        `${media}/../${outside.split('/').pop()}/secret.webm`,
        'https://example.com/v.mp4',
      ];
      for (const url of inputs) {
        const job = await client.add({ url }, { attempts: 1, backoffMs: 0 });
        const response = await get(open, `/api/jobs/${job.id}/video`);
        expect(response.status, url).toBe(404);
        expect(await response.text()).not.toMatch(/not for you/);
        const detail = (await (await get(open, `/api/jobs/${job.id}`)).json()) as {
          video: boolean;
        };
        expect(detail.video).toBe(false);
      }
    });

    it('lists no directory and serves no file outside the pages', async () => {
      for (const path of [
        '/static/',
        '/static',
        '/static/../package.json',
        '/static/%2e%2e/package.json',
        '/api/jobs/1/../../package.json',
      ]) {
        const response = await get(open, path);
        expect([400, 403, 404], path).toContain(response.status);
        expect(await response.text()).not.toMatch(/"name": "framewise"/);
      }
    });
  });

  describe('labels', () => {
    it('download as JSON lines like watch and as CSV, quoted and formula-safe', async () => {
      const job = await client.add({ url: video }, { attempts: 1, backoffMs: 0 });
      const key = labelsKey(prefix, job.id!);
      const entries = [
        [
          'frame',
          '3',
          'start',
          '0',
          't',
          '0.12',
          'label',
          '1',
          'name',
          'a, "b"',
          'score',
          '0.75',
          'scores',
          '[0.25,0.75]',
        ],
        ['frame', '4', 't', '0.16', 'gap', '2.5'],
        [
          'frame',
          '5',
          'start',
          '2',
          't',
          '0.2',
          'label',
          '0',
          'name',
          '=cmd()',
          'score',
          '0.5',
          'scores',
          '[0.5,0.5]',
        ],
      ];
      for (const fields of entries) await redis.xadd(key, '*', ...fields);
      const jsonl = await (await get(open, `/api/jobs/${job.id}/labels.jsonl`)).text();
      expect(jsonl).toBe(entries.map((fields) => `${streamEntryJson(fields)}\n`).join(''));
      const csvResponse = await get(open, `/api/jobs/${job.id}/labels.csv`);
      expect(csvResponse.headers.get('content-disposition')).toMatch(
        /attachment; filename="labels-/,
      );
      expect((await csvResponse.text()).split('\n')).toEqual([
        'frame,start,t,label,name,score,latencyMs,gap,score_0,score_1',
        '3,0,0.12,1,"a, ""b""",0.75,,,0.25,0.75',
        '4,,0.16,,,,,2.5,,',
        "5,2,0.2,0,'=cmd(),0.5,,,0.5,0.5",
        '',
      ]);
    });

    it('stream as SSE events with the entry IDs, from a Last-Event-ID', async () => {
      const job = await client.add({ url: video }, { attempts: 1, backoffMs: 0 });
      const key = labelsKey(prefix, job.id!);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push(
          (await redis.xadd(
            key,
            '*',
            'frame',
            String(i),
            't',
            String(i / 10),
            'label',
            '0',
            'score',
            '1',
            'scores',
            '[1]',
          ))!,
        );
      // A waiting job: the stream stays open; read what comes, then stop.
      const controller = new AbortController();
      const response = await fetch(`${open.url}/api/jobs/${job.id}/labels`, {
        headers: { 'last-event-id': ids[1]! },
        signal: controller.signal,
      });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = response.body!.getReader();
      let text = '';
      const deadline = Date.now() + 10_000;
      while ((text.match(/\nid: /g) ?? []).length < 3 && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      controller.abort();
      const got = [...text.matchAll(/^id: (.+)$/gm)].map((m) => m[1]);
      expect(got).toEqual(ids.slice(2));
      expect(text).toMatch(/^retry: \d+/);
      expect(text).toContain(
        `data: ${streamEntryJson(['frame', '2', 't', '0.2', 'label', '0', 'score', '1', 'scores', '[1]'])}`,
      );
      expect(
        (await get(open, `/api/jobs/${job.id}/labels`, { 'last-event-id': 'nope' })).status,
      ).toBe(400);
      expect((await get(open, '/api/jobs/no-such-job/labels')).status).toBe(404);
    });
  });

  it('mounts bull-board at /queues for the prefixed videos queue', async () => {
    const page = await get(open, '/queues');
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const api = (await (await get(open, '/queues/api/queues')).json()) as {
      queues: { name: string; displayName: string; counts: { waiting: number } }[];
    };
    expect(api.queues.map((q) => [q.name, q.displayName])).toEqual([
      ['videos', `videos (prefix ${prefix})`],
    ]);
    // The jobs this suite added, under its prefix: bull-board reads the right keys.
    expect(api.queues[0]!.counts.waiting).toBe(await client.queue.getWaitingCount());
    expect(api.queues[0]!.counts.waiting).toBeGreaterThan(0);
  });
});
