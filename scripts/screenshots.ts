/**
 * Makes the dashboard's screenshots in docs/images/ (shown in the README) from a real run: the
 * local Redis (REDIS_URL) under a fresh prefix, a `framewise worker` with the demo model, a
 * `framewise serve`, Debian's Chromium (CHROMIUM_PATH) through playwright-core, and generated
 * inputs: a file of shots joined by cuts, and a camera stand-in that goes down for a few seconds.
 *
 *   npm run screenshots [-- --out docs/images]
 *
 * Writes jobs.png (the jobs page), job-file.png (a file job with its video, the cursor on a
 * cut) and job-live.png (a live stream with an outage).
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { Redis } from 'ioredis';
import { deletePrefixKeys } from '../src/queue/delete-prefix-keys.js';
import { labelsKey } from '../src/queue/queue-keys.js';
import { redisUrl } from '../src/queue/redis-connection.js';
import { runCli, startCli } from '../test/support/cli.js';
import { LiveStreamServer } from '../test/support/live-stream-server.js';
import { renderShots } from '../test/support/render-shots.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'docs/images' } } });
const out = resolve(values.out);
const prefix = `screens-${randomUUID().slice(0, 8)}`;
const env = { ...process.env, REDIS_URL: redisUrl(), FRAMEWISE_PREFIX: prefix };
const children: ChildProcess[] = [];

/** Starts `framewise <args>` in the background; resolves with the match of `ready`. */
async function start(args: string[], ready: RegExp): Promise<string> {
  const started = await startCli(args, env, ready);
  children.push(started.child);
  return started.line;
}

/** Runs `framewise <args>` and returns its stdout, trimmed. */
async function cliOut(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runCli(args, env);
  if (code !== 0) throw new Error(`framewise ${args.join(' ')} exited with ${code}: ${stderr}`);
  return stdout.trim();
}

const redis = new Redis(env.REDIS_URL);
const camera = new LiveStreamServer({ size: '160x120' });
const media = await mkdtemp(join(tmpdir(), 'framewise-screens-'));
try {
  await mkdir(out, { recursive: true });
  const video = await renderShots({
    out: join(media, 'match-highlights.webm'),
    shots: [
      { source: 'mandelbrot', seconds: 5 },
      { source: 'testsrc2', seconds: 3 },
      { source: 'life=mold=10:ratio=0.5', seconds: 4 },
      { source: 'smptehdbars', seconds: 2 },
      { source: 'cellauto=rule=110', seconds: 4 },
      { source: 'mandelbrot=start_scale=2', seconds: 3 },
    ],
    width: 640,
    height: 360,
    fps: 25,
    codec: 'vp9',
  });
  await camera.start();
  await start(
    ['worker', '--media-root', media, '--allow-private', '--concurrency', '3'],
    /worker ready/,
  );
  const url = await start(
    ['serve', '--port', '0', '--media-root', media],
    /dashboard at (\S+?)\/?\n/,
  );

  const fileJob = await cliOut([
    'enqueue',
    video,
    '--media-root',
    media,
    '--job-id',
    'match-highlights',
  ]);
  const liveJob = await cliOut([
    ...['enqueue', camera.url, '--live', '--allow-private', '--job-id', 'gate-camera'],
    ...['--stride', '5', '--watchdog', '3000'],
  ]);
  // A job that fails: a file that is not a video.
  await writeFile(join(media, 'notes.mp4'), 'meeting notes, not a video\n');
  await cliOut(['enqueue', join(media, 'notes.mp4'), '--media-root', media, '--attempts', '1']);
  // A live stream with an outage: down for 4 s, then back.
  const key = labelsKey(prefix, liveJob);
  for (let i = 0; i < 200 && (await redis.xlen(key)) < 20; i++) await sleep(100);
  await camera.stop();
  await sleep(4000);
  await camera.start();
  for (let i = 0; i < 300 && (await redis.xlen(key)) < 60; i++) await sleep(100);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--hide-scrollbars'],
  });
  try {
    const page = await browser.newPage({
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
    });
    await page.goto(`${url}/`);
    await page
      .locator(`tr[data-job="${fileJob}"][data-state="completed"]`)
      .waitFor({ timeout: 60_000 });
    await page.locator('tr[data-state="failed"]').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(out, 'jobs.png') });

    await page.goto(`${url}/jobs/${fileJob}`);
    await page.locator('body[data-stream-ended]').waitFor({ timeout: 60_000 });
    await page.locator('rect.segment').nth(2).click();
    await sleep(1000);
    await page.screenshot({ path: join(out, 'job-file.png'), fullPage: true });

    await page.goto(`${url}/jobs/${liveJob}`);
    await page.locator('rect.gap').waitFor({ timeout: 60_000 });
    await sleep(3000);
    await page.screenshot({ path: join(out, 'job-live.png'), fullPage: true });
    process.stderr.write(`screenshots in ${out}\n`);
  } finally {
    await browser.close();
  }
  await cliOut(['cancel', liveJob]);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)),
  );
  await camera.stop();
  await deletePrefixKeys(redis, prefix);
  redis.disconnect();
}
