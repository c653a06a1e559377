import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveStreamServer } from '../../support/live-stream-server.js';
import { startLiveLabel } from '../../support/live-label.js';
import { saveSeedModel } from '../../support/models.js';
import { waitFor } from '../../support/queue.js';
import { ffmpegProcessesRunning } from '../../support/videos.js';

describe('a live MJPEG camera (multipart JPEG over HTTP, no timestamps of its own)', () => {
  // 10 frames/s, where ffmpeg would number MJPEG frames at a made-up 25.
  const camera = new LiveStreamServer({ format: 'mjpeg', fps: 10 });
  let model: string;

  beforeAll(async () => {
    await camera.start();
    ({ dir: model } = await saveSeedModel({ height: 24, width: 24 }));
  });

  afterAll(async () => {
    await camera.stop();
  });

  it('is labeled frame by frame, timed by arrival: t moves 0.1 s a frame', async () => {
    const mark = `${process.pid}-mjpeg`;
    const run = startLiveLabel(camera.url, ['--model', model], mark);
    await run.waitForLines(20, 30_000);
    expect(await run.interrupt()).toBe(130);

    const labels = run.lines();
    expect(labels.map((l) => l.frame)).toEqual(labels.map((_, i) => 3 + i));
    const steps = labels.slice(1).map((l, i) => l.t - labels[i]!.t);
    steps.sort((a, b) => a - b);
    const median = steps[Math.floor(steps.length / 2)]!;
    expect(median).toBeGreaterThan(0.07);
    expect(median).toBeLessThan(0.14);
    await waitFor(() => ffmpegProcessesRunning(mark) === 0, 5000);
  });
});
