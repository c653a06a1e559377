import { cp, copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledModelDir } from '../../../src/model/load/bundled-model.js';
import { labelsKey } from '../../../src/queue/queue-keys.js';
import { runCli } from '../../support/cli.js';
import { launchBrowser, readSse, startServe, type ServeProcess } from '../../support/dashboard.js';
import { LiveStreamServer } from '../../support/live-stream-server.js';
import {
  deletePrefix,
  freshPrefix,
  REDIS_URL,
  startWorker,
  waitFor,
  type WorkerProcess,
} from '../../support/queue.js';
import { freePort } from '../../support/free-port.js';
import { renderShots } from '../../support/render-shots.js';

/** Class names that are markup: the pages must show them as text. */
const SCRIPT_NAME = '<script>window.__xss = 1</script>';
const IMG_NAME = '<img src=x onerror="window.__xss = 2">';
const TOKEN = 'browser-test-token-0123456789';
const FPS = 25;

interface Segment {
  label: string;
  start: number;
  end: number;
}

describe('framewise serve in a real browser', () => {
  const prefix = freshPrefix();
  const env = { REDIS_URL, FRAMEWISE_PREFIX: prefix };
  const redis = new Redis(REDIS_URL);
  let media: string;
  let video: string;
  let markupVideo: string;
  let camera: LiveStreamServer;
  let worker: WorkerProcess;
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    media = await mkdtemp(join(tmpdir(), 'framewise-serve-media-'));
    // Shots joined by hard cuts: the demo model labels cuts, so the timeline has segments.
    video = await renderShots({
      out: join(media, 'shots.webm'),
      shots: [
        { source: 'mandelbrot', seconds: 2 },
        { source: 'testsrc2', seconds: 1.6 },
        { source: 'life=mold=10', seconds: 2 },
        { source: 'smptehdbars', seconds: 1.4 },
      ],
      width: 96,
      height: 72,
      fps: FPS,
      codec: 'vp9',
    });
    markupVideo = join(media, '<img src=x onerror=window.__xss=3>.webm');
    await copyFile(video, markupVideo);
    // The demo model with class names that are markup.
    const model = await mkdtemp(join(tmpdir(), 'framewise-serve-model-'));
    await cp(bundledModelDir(), model, { recursive: true });
    const config = JSON.parse(await readFile(join(model, 'framewise.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    await writeFile(
      join(model, 'framewise.json'),
      JSON.stringify({ ...config, classNames: [SCRIPT_NAME, IMG_NAME] }),
    );
    // A camera whose stream ends after 16 s: a file job over http that runs at real time.
    // File jobs label 64 windows at a time: at stride 1, a batch of labels every 2.6 s.
    camera = new LiveStreamServer({ seconds: 16 });
    await camera.start();
    worker = await startWorker(
      [
        '--media-root',
        media,
        '--model',
        model,
        '--allow-private',
        '--concurrency',
        '3',
        '--metrics-port',
        String(await freePort()),
      ],
      env,
    );
    serve = await startServe(['--port', '0', '--media-root', media], env);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await worker?.stop();
    await camera?.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  async function enqueue(...args: string[]): Promise<string> {
    const result = await runCli(['enqueue', ...args], env);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.trim();
  }

  async function summaryOf(jobId: string): Promise<{ segments: Segment[] }> {
    const result = await runCli(['status', jobId], env);
    return (JSON.parse(result.stdout) as { summary: { segments: Segment[] } }).summary;
  }

  async function newPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (dialog) => void dialog.dismiss());
    return page;
  }

  const received = (page: Page) => page.evaluate<string[]>('window.framewiseJob.received.ids');

  function expectSameSegments(actual: Segment[], expected: Segment[]) {
    expect(actual.map((s) => s.label)).toEqual(expected.map((s) => s.label));
    actual.forEach((s, i) => {
      expect(Math.abs(s.start - expected[i]!.start)).toBeLessThan(0.0015);
      expect(Math.abs(s.end - expected[i]!.end)).toBeLessThan(0.0015);
    });
  }

  it(
    'a job enqueued while the jobs page is open appears in it, with its input as text',
    { timeout: 60_000 },
    async () => {
      const page = await newPage();
      await page.goto(`${serve.url}/`);
      await page.locator('#filters button').first().waitFor();
      const jobId = await enqueue(markupVideo, '--media-root', media);
      const row = page.locator(`tr[data-job="${jobId}"]`);
      await row.waitFor({ timeout: 15_000 });
      expect(await row.locator('td.url').textContent()).toContain(markupVideo);
      await page
        .locator(`tr[data-job="${jobId}"][data-state="completed"]`)
        .waitFor({ timeout: 30_000 });
      expect(await page.evaluate<unknown>('window.__xss')).toBeUndefined();
      expect(await page.locator('img').count()).toBe(0);
      await page.close();
    },
  );

  it(
    'the jobs page cancels a running job and retries a failed one',
    { timeout: 60_000 },
    async () => {
      const notVideo = join(media, 'notes.mp4');
      await writeFile(notVideo, 'not a video\n');
      const failing = await enqueue(notVideo, '--media-root', media, '--attempts', '1');
      const running = await enqueue(camera.url, '--allow-private');
      const page = await newPage();
      await page.goto(`${serve.url}/`);
      const row = (id: string, state = '') =>
        page.locator(`tr[data-job="${id}"]${state === '' ? '' : `[data-state="${state}"]`}`);
      await row(running, 'active').waitFor({ timeout: 20_000 });
      await row(running).getByRole('button', { name: 'Cancel' }).click();
      await row(running, 'failed').waitFor({ timeout: 20_000 });
      expect(await row(running).locator('.reason').textContent()).toMatch(/cancel/);
      await row(failing, 'failed').waitFor({ timeout: 20_000 });
      expect(await row(failing).locator('td').nth(8).textContent()).toBe('1');
      await row(failing).getByRole('button', { name: 'Retry' }).click();
      // It runs again, and fails again: not a video.
      await waitFor(
        async () => (await row(failing).locator('td').nth(8).textContent()) === '2',
        20_000,
      );
      await row(failing, 'failed').waitFor({ timeout: 20_000 });
      await page.close();
    },
  );

  it(
    "a job page's timeline grows while the worker runs and ends with the summary's segments",
    { timeout: 90_000 },
    async () => {
      const jobId = await enqueue(camera.url, '--allow-private');
      const page = await newPage();
      await page.goto(`${serve.url}/jobs/${jobId}`);
      await waitFor(async () => (await received(page)).length > 0, 30_000);
      const early = (await received(page)).length;
      await waitFor(async () => (await received(page)).length > early, 30_000);
      const later = (await received(page)).length;
      await page.locator('body[data-stream-ended]').waitFor({ timeout: 40_000 });
      const ids = (await redis.xrange(labelsKey(prefix, jobId), '-', '+')).map(([id]) => id);
      // Seen at three sizes: it grew while the job ran.
      expect(later).toBeLessThan(ids.length);
      expect(await received(page)).toEqual(ids);
      const summary = await summaryOf(jobId);
      const fromPage = await page.evaluate<Segment[]>('window.framewiseJob.timeline.segments()');
      expectSameSegments(fromPage, summary.segments);
      const drawn = await page.locator('rect.segment').evaluateAll((rects) =>
        rects.map((r) => ({
          label: r.getAttribute('data-label')!,
          start: Number(r.getAttribute('data-start')),
          end: Number(r.getAttribute('data-end')),
        })),
      );
      expectSameSegments(drawn, summary.segments);
      await page.close();
    },
  );

  it(
    'the SSE stream resumes after the server restarts mid-job, with no duplicate or missing entry',
    { timeout: 90_000 },
    async () => {
      const jobId = await enqueue(camera.url, '--allow-private');
      const page = await newPage();
      await page.goto(`${serve.url}/jobs/${jobId}`);
      await waitFor(async () => (await received(page)).length > 0, 30_000);
      const port = serve.port;
      expect(await serve.stop()).toBe(0);
      const during = (await received(page)).length;
      // Entries keep coming while the server is down.
      await waitFor(async () => (await redis.xlen(labelsKey(prefix, jobId))) > during, 30_000);
      serve = await startServe(['--port', String(port), '--media-root', media], env);
      await page.locator('body[data-stream-ended]').waitFor({ timeout: 40_000 });
      const ids = (await redis.xrange(labelsKey(prefix, jobId), '-', '+')).map(([id]) => id);
      const got = await received(page);
      expect(new Set(got).size).toBe(got.length);
      expect(got).toEqual(ids);
      expect(got.length).toBeGreaterThan(during);
      await page.close();
    },
  );

  it(
    'clicking a segment seeks the video to its start, within one frame; markup class names stay text',
    { timeout: 60_000 },
    async () => {
      const jobId = await enqueue(video, '--media-root', media);
      const page = await newPage();
      await page.goto(`${serve.url}/jobs/${jobId}`);
      await page.locator('body[data-stream-ended]').waitFor({ timeout: 30_000 });
      const summary = await summaryOf(jobId);
      expect(summary.segments.length).toBeGreaterThanOrEqual(3);
      await waitFor(
        () => page.evaluate<boolean>("document.querySelector('video').readyState >= 1"),
        10_000,
      );
      // A long segment after the first: a click lands on it.
      const target = summary.segments
        .slice(1)
        .reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a));
      await page.locator(`rect.segment[data-start="${target.start}"]`).click();
      await waitFor(
        () => page.evaluate<boolean>("!document.querySelector('video').seeking"),
        10_000,
      );
      const time = await page.evaluate<number>("document.querySelector('video').currentTime");
      expect(Math.abs(time - target.start)).toBeLessThanOrEqual(1 / FPS);
      // Playing moves the timeline's cursor with the video.
      const cursorX = () => page.locator('line.cursor').getAttribute('x1').then(Number);
      const before = await cursorX();
      await page.evaluate("document.querySelector('video').play()");
      await waitFor(
        () =>
          page.evaluate<boolean>(
            `document.querySelector('video').currentTime > ${target.start + 0.3}`,
          ),
        10_000,
      );
      await page.evaluate("document.querySelector('video').pause()");
      await waitFor(async () => (await cursorX()) > before, 5000);
      // The class names are shown as they are, and nothing of them ran.
      const lanes = await page.locator('svg.timeline text.lane-name title').allTextContents();
      expect(lanes).toEqual(expect.arrayContaining([SCRIPT_NAME, IMG_NAME]));
      const counted = await page.locator('#counts td:first-child').allTextContents();
      expect(counted).toEqual(expect.arrayContaining([SCRIPT_NAME, IMG_NAME]));
      expect(await page.evaluate<unknown>('window.__xss')).toBeUndefined();
      expect(await page.locator('script:not([src])').count()).toBe(0);
      await page.close();
    },
  );

  it("bull-board's page loads at /queues and shows the queue", { timeout: 30_000 }, async () => {
    const page = await newPage();
    const elsewhere: string[] = [];
    // Requests for other servers (bull-board asks Google for fonts) are blocked by the page's
    // policy, before they reach the network.
    const blocked: string[] = [];
    page.on('requestfailed', (request) => {
      if (request.failure()?.errorText === 'csp') blocked.push(request.url());
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(serve.url) && !request.url().startsWith('data:')) {
        elsewhere.push(request.url());
      }
    });
    await page.goto(`${serve.url}/queues`);
    await page.getByText('videos').first().waitFor({ timeout: 15_000 });
    // Everything from this server: it works offline and tells no one who looks.
    await waitFor(() => blocked.length >= elsewhere.length, 5000);
    expect(blocked).toEqual(elsewhere);
    await page.close();
  });

  it(
    'the workers page shows the worker, its metrics link and its running job',
    { timeout: 60_000 },
    async () => {
      const jobId = await enqueue(camera.url, '--allow-private', '--stride', '5');
      const page = await newPage();
      await page.goto(`${serve.url}/workers`);
      const row = page.locator('#workers tbody tr');
      await row.first().waitFor({ timeout: 15_000 });
      expect(await row.count()).toBe(1);
      await page.locator(`#workers a[href="/jobs/${jobId}"]`).waitFor({ timeout: 20_000 });
      const metrics = await row.locator('a[href$="/metrics"]').getAttribute('href');
      expect(metrics).toMatch(/^http:\/\/.+:\d+\/metrics$/);
      await runCli(['cancel', jobId], env);
      await page.close();
    },
  );

  it(
    'with a token, a page without it is refused and ?token= opens it',
    { timeout: 60_000 },
    async () => {
      const locked = await startServe(['--port', '0', '--token', TOKEN], env);
      try {
        const page = await newPage();
        const refused = await page.goto(`${locked.url}/`);
        expect(refused?.status()).toBe(401);
        expect(await page.locator('body').textContent()).toMatch(/token/);
        await page.goto(`${locked.url}/?token=${TOKEN}`);
        expect(new URL(page.url()).search).toBe('');
        await page.locator('#filters button').first().waitFor({ timeout: 15_000 });
        await page.close();
      } finally {
        await locked.stop();
      }
    },
  );

  it('50 viewers of one live job each get every label', { timeout: 120_000 }, async () => {
    const live = new LiveStreamServer();
    await live.start();
    try {
      const jobId = await enqueue(live.url, '--allow-private', '--live', '--stride', '5');
      const stop = new AbortController();
      const viewers = Array.from({ length: 50 }, () => {
        const ids: string[] = [];
        const done = readSse(
          `${serve.url}/api/jobs/${jobId}/labels`,
          {},
          (event) => ids.push(event.id!),
          stop.signal,
        );
        return { ids, done };
      });
      const key = labelsKey(prefix, jobId);
      await waitFor(async () => (await redis.xlen(key)) >= 40, 60_000);
      const cancelled = await runCli(['cancel', jobId], env);
      expect(cancelled.code).toBe(0);
      // The job has failed (cancelled): every stream ends after its last entry.
      const ended = Promise.all(viewers.map((v) => v.done));
      const timer = setTimeout(() => stop.abort(), 30_000);
      await ended;
      clearTimeout(timer);
      expect(stop.signal.aborted).toBe(false);
      const ids = (await redis.xrange(key, '-', '+')).map(([id]) => id);
      expect(ids.length).toBeGreaterThanOrEqual(40);
      for (const viewer of viewers) expect(viewer.ids).toEqual(ids);
    } finally {
      await live.stop();
    }
  });
});
