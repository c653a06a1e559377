import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { freePort } from '../../support/free-port.js';
import { startLiveLabel } from '../../support/live-label.js';
import { LiveStreamServer } from '../../support/live-stream-server.js';
import { saveSeedModel } from '../../support/models.js';
import { waitFor } from '../../support/queue.js';
import { ffmpegProcessesRunning } from '../../support/videos.js';

describe('a live stream that dies for 5 s and comes back', () => {
  const server = new LiveStreamServer();
  let model: string;

  beforeAll(async () => {
    await server.start();
    ({ dir: model } = await saveSeedModel({ height: 24, width: 24 }));
  });

  afterAll(async () => {
    await server.stop();
  });

  it('is reconnected by itself; labels go on after one gap line', { timeout: 90_000 }, async () => {
    const mark = `${process.pid}-live`;
    const run = startLiveLabel(
      server.url,
      ['--watchdog', '2000', '--model', model, '--stride', '5'],
      mark,
    );
    await run.waitForLines(10, 30_000);
    await server.stop();
    await sleep(5000);
    await server.start();
    await waitFor(
      () =>
        run.lines().some((l) => l.gap !== undefined) &&
        run.lines().filter((l) => l.label !== undefined).length >= 25,
      40_000,
    );
    expect(await run.interrupt()).toBe(130);
    expect(run.stderr()).toMatch(/reconnect attempt 1/);

    const all = run.lines();
    const gaps = all.filter((l) => l.gap !== undefined);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.gap).toBeGreaterThan(4);
    const at = all.indexOf(gaps[0]!);
    const before = all.slice(0, at);
    const after = all.slice(at + 1);
    expect(before.length).toBeGreaterThanOrEqual(10);
    expect(after.length).toBeGreaterThan(0);
    // Frames keep counting and time keeps running across the outage.
    const frames = all.map((l) => l.frame);
    expect([...frames].sort((a, b) => a - b)).toEqual(frames);
    expect(after[0]!.t - before[before.length - 1]!.t).toBeGreaterThan(4);
    for (const l of all.filter((x) => x.label !== undefined))
      expect(l.latencyMs).toBeGreaterThanOrEqual(0);
    await waitFor(() => ffmpegProcessesRunning(mark) === 0, 5000);
  });

  it('gives up after --max-reconnects consecutive failures: exit 1, saying why', async () => {
    const mark = `${process.pid}-give-up`;
    // Nothing listens there: every connection is refused.
    const url = `http://127.0.0.1:${await freePort()}/live.ts`;
    const result = await runCli(
      ['label', url, '--live', '--max-reconnects', '2', '--model', model, '--format', 'jsonl'],
      { FRAMEWISE_TEST_OWNER: mark },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/reconnect attempt 2\n/);
    expect(result.stderr).not.toMatch(/reconnect attempt 3/);
    expect(result.stderr).toMatch(/failed 3 times in a row/);
    expect(ffmpegProcessesRunning(mark)).toBe(0);
  });

  it('refuses live-only options without --live', async () => {
    const result = await runCli(['label', 'clip.mp4', '--max-reconnects', '2']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--max-reconnects applies only with --live: add --live/);
  });
});
