import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HlsStreamServer } from '../../support/hls-server.js';
import { startLiveLabel } from '../../support/live-label.js';
import { saveSeedModel } from '../../support/models.js';
import { waitFor } from '../../support/queue.js';
import { ffmpegProcessesRunning } from '../../support/videos.js';

describe('a live HLS playlist being written', () => {
  const server = new HlsStreamServer();
  let model: string;

  beforeAll(async () => {
    await server.start();
    ({ dir: model } = await saveSeedModel({ height: 24, width: 24 }));
  });

  afterAll(async () => {
    await server.stop();
  });

  it('is labeled as it grows, in frame order, with latencies, until interrupted', async () => {
    const mark = `${process.pid}-hls`;
    const run = startLiveLabel(server.url, ['--model', model, '--stride', '5'], mark);
    // 20 labels at stride 5 are 4 s of video: more than the segments listed at the start.
    await run.waitForLines(20, 40_000);
    expect(await run.interrupt()).toBe(130);

    const labels = run.lines();
    expect(labels.every((l) => l.label !== undefined && l.latencyMs! >= 0)).toBe(true);
    // HLS hands over a segment at a time; the model keeps up, so nothing is dropped as late.
    const frames = labels.map((l) => l.frame);
    expect(frames).toEqual(frames.map((_, i) => frames[0]! + 5 * i));
    const times = labels.map((l) => l.t);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // Segments follow one another without a reconnect: no outage was recorded.
    expect(run.stderr()).not.toMatch(/reconnect/);
    await waitFor(() => ffmpegProcessesRunning(mark) === 0, 5000);
  });
});
