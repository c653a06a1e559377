import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.js';
import { startLiveLabel } from '../../support/live-label.js';
import { saveSeedModel } from '../../support/models.js';
import { waitFor } from '../../support/queue.js';
import { ffmpegProcessesRunning, fixtureFfmpeg } from '../../support/videos.js';

describe('a live RTMP stream', () => {
  let server: ChildProcess;
  let url: string;
  let model: string;

  beforeAll(async () => {
    // ffmpeg itself as the RTMP server (listen mode): it streams to the first player to connect.
    url = `rtmp://127.0.0.1:${await freePort()}/live/cam`;
    server = spawn(
      fixtureFfmpeg.path,
      [
        ...['-hide_banner', '-loglevel', 'error', '-re'],
        ...['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25'],
        ...['-c:v', 'flv1', '-q:v', '5', '-f', 'flv', '-listen', '1', url],
      ],
      { stdio: 'ignore' },
    );
    ({ dir: model } = await saveSeedModel({ height: 24, width: 24 }));
  });

  afterAll(() => {
    server.kill('SIGKILL');
  });

  it('is labeled in frame order, with latencies, until interrupted', async () => {
    const mark = `${process.pid}-rtmp`;
    const run = startLiveLabel(url, ['--model', model, '--stride', '5'], mark);
    await run.waitForLines(20, 30_000);
    expect(await run.interrupt()).toBe(130);

    const labels = run.lines();
    expect(labels.every((l) => l.label !== undefined && l.latencyMs! >= 0)).toBe(true);
    expect(labels.map((l) => l.frame)).toEqual(labels.map((_, i) => 3 + 5 * i));
    await waitFor(() => ffmpegProcessesRunning(mark) === 0, 5000);
  });
});
