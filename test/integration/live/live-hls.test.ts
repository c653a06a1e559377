import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, parseJsonLines } from '../../helpers/cli.js';
import { HlsStreamServer } from '../../helpers/hls-server.js';
import { saveSeedModel } from '../../helpers/models.js';
import { waitFor } from '../../helpers/queue.js';
import { ffmpegProcessesRunning } from '../../helpers/videos.js';

interface Line {
  frame: number;
  t: number;
  label?: number;
  latencyMs?: number;
}

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

  it(
    'is labeled as it grows, in frame order, with latencies, until interrupted',
    { timeout: 60_000 },
    async () => {
      const mark = `${process.pid}-hls`;
      const child = spawn(
        process.execPath,
        [
          CLI,
          'label',
          server.url,
          '--live',
          '--model',
          model,
          '--stride',
          '5',
          '--format',
          'jsonl',
        ],
        { env: { ...process.env, FRAMEWISE_TEST_OWNER: mark }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      const lines = () => parseJsonLines<Line>(out);
      // 20 labels at stride 5 are 4 s of video: more than the segments listed at the start.
      await waitFor(() => lines().length >= 20, 40_000).catch((error: unknown) => {
        throw new Error(`${String(error)}; stderr: ${err}`);
      });
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(130);

      const labels = lines();
      expect(labels.every((l) => l.label !== undefined && l.latencyMs! >= 0)).toBe(true);
      // HLS hands over a segment at a time; the model keeps up, so nothing is dropped as late.
      const frames = labels.map((l) => l.frame);
      expect(frames).toEqual(frames.map((_, i) => frames[0]! + 5 * i));
      const times = labels.map((l) => l.t);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      // Segments follow one another without a reconnect: no outage was recorded.
      expect(err).not.toMatch(/reconnect/);
      await waitFor(() => ffmpegProcessesRunning(mark) === 0, 5000);
    },
  );
});
