import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createHttpServer } from 'node:http';
import { CLI, runCli } from '../support/cli.js';
import { makeVideo } from '../support/videos.js';

describe('a --model URL that never answers', () => {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  let url: string;
  let video: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model.json`;
    video = await makeVideo({
      source: 'testsrc2',
      width: 32,
      height: 32,
      fps: 10,
      seconds: 1,
      codec: 'h264-mp4',
    });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['label', ['label', '<video>']],
    ['worker', ['worker', '--metrics-port', '0']],
  ])('%s stops on SIGTERM while the model loads, exit 143', async (_name, args) => {
    const before = sockets.length;
    const child = spawn(
      process.execPath,
      [CLI, ...args.map((a) => (a === '<video>' ? video : a)), '--model', url],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = once(child, 'exit');
    // Connected: the load is waiting on the server.
    for (let i = 0; i < 100 && sockets.length === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(sockets.length).toBeGreaterThan(before);
    const killed = Date.now();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    clearTimeout(timer);
    expect(signal, stderr).toBeNull();
    expect(code, stderr).toBe(143);
    expect(Date.now() - killed).toBeLessThan(10_000);
  });

  it('the cloud metadata service is never fetched as a model, nor through a redirect', async () => {
    const direct = await runCli(['label', video, '--model', 'http://169.254.169.254/model.json']);
    expect(direct.code).toBe(2);
    expect(direct.stderr).toMatch(
      /refused model URL http:\/\/169\.254\.169\.254\/model\.json: 169\.254\.169\.254 is the cloud metadata service/,
    );
    const redirecting = createHttpServer((_request, response) =>
      response.writeHead(302, { location: 'http://169.254.169.254/latest/model.json' }).end(),
    );
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const port = (redirecting.address() as AddressInfo).port;
      const redirected = await runCli([
        'label',
        video,
        '--model',
        `http://127.0.0.1:${port}/model.json`,
      ]);
      expect(redirected.code).toBe(2);
      expect(redirected.stderr).toMatch(
        /refused model URL http:\/\/169\.254\.169\.254\/latest\/model\.json/,
      );
    } finally {
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });
});
