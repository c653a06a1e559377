import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelRecord } from '../../src/output/jsonl-sink.js';
import { parseJsonLines, runCli } from '../support/cli.js';
import { saveSeedModel } from '../support/models.js';
import { ffmpegProcessesRunning, makeVideo } from '../support/videos.js';

/**
 * The bundled static ffmpeg 4.1 crashes when it resolves a host name itself; `label` resolves
 * it for that build. Run on every ffmpeg build by npm test.
 */
describe('label on an http URL with a host name', () => {
  let body: Buffer;
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': body.length });
    response.end(body);
  });
  let model: string;

  beforeAll(async () => {
    body = await readFile(
      await makeVideo({
        source: 'testsrc2',
        width: 32,
        height: 32,
        fps: 10,
        seconds: 2,
        codec: 'h264-mp4',
      }),
    );
    ({ dir: model } = await saveSeedModel({ height: 16, width: 16 }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('labels it: every window of its 20 frames', async () => {
    const port = (server.address() as AddressInfo).port;
    const url = `http://localhost:${port}/clip.mp4`;
    const { code, stdout, stderr } = await runCli(['label', url, '--model', model]);
    expect(code, stderr).toBe(0);
    expect(parseJsonLines<LabelRecord>(stdout)).toHaveLength(17);
    expect(ffmpegProcessesRunning()).toBe(0);
  });
});
