import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, parseJsonLines } from '../../helpers/cli.js';
import { saveSeedModel } from '../../helpers/models.js';
import { waitFor } from '../../helpers/queue.js';
import { RtspCameraServer } from '../../helpers/rtsp-server.js';
import { ffmpegProcessesRunning } from '../../helpers/videos.js';

interface Line {
  frame: number;
  t: number;
  label?: number;
  latencyMs?: number;
}

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

  it(
    'is labeled in frame order, with latencies, until interrupted',
    { timeout: 60_000 },
    async () => {
      const mark = `${process.pid}-rtsp`;
      const child = spawn(
        process.execPath,
        [
          CLI,
          'label',
          camera.url,
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
      await waitFor(() => lines().length >= 20, 40_000).catch((error: unknown) => {
        throw new Error(`${String(error)}; stderr: ${err}`);
      });
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(130);

      const labels = lines();
      expect(labels.every((l) => l.label !== undefined && l.latencyMs! >= 0)).toBe(true);
      const frames = labels.map((l) => l.frame);
      expect(frames).toEqual(frames.map((_, i) => 3 + 5 * i));
      // Connected at the first attempt: over UDP this server would have refused to play.
      expect(err).not.toMatch(/reconnect/);
      await waitFor(() => ffmpegProcessesRunning(mark) === 0, 5000);
    },
  );
});
