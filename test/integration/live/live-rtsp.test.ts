import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveLabel } from '../../support/live-label.js';
import { saveSeedModel } from '../../support/models.js';
import { waitFor } from '../../support/queue.js';
import { RtspCameraServer } from '../../support/rtsp-server.js';
import { ffmpegProcessesRunning } from '../../support/videos.js';

describe('a live RTSP camera that only speaks TCP', () => {
  const camera = new RtspCameraServer();
  let model: string;

  beforeAll(async () => {
    await camera.start();
    ({ dir: model } = await saveSeedModel({ height: 24, width: 24 }));
  });

  afterAll(async () => {
    await camera.stop();
  });

  it('is labeled in frame order, with latencies, until interrupted', async () => {
    const mark = `${process.pid}-rtsp`;
    const run = startLiveLabel(camera.url, ['--model', model, '--stride', '5'], mark);
    await run.waitForLines(20, 40_000);
    expect(await run.interrupt()).toBe(130);

    const labels = run.lines();
    expect(labels.every((l) => l.label !== undefined && l.latencyMs! >= 0)).toBe(true);
    expect(labels.map((l) => l.frame)).toEqual(labels.map((_, i) => 3 + 5 * i));
    // Connected at the first attempt: over UDP this server would have refused to play.
    expect(run.stderr()).not.toMatch(/reconnect/);
    await waitFor(() => ffmpegProcessesRunning(mark) === 0, 5000);
  });
});
