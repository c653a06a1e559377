import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/errors.js';
import { FrameSource } from '../../src/decode/frame-source.js';
import { readAll } from '../support/read-source.js';
import { ffmpegProcessesRunning, fixtureFfmpeg, makeVideo } from '../support/videos.js';

describe('network inputs that stall end the run with a retryable network error', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  async function serve(onConnection: (socket: import('node:net').Socket) => void): Promise<string> {
    server = createServer(onConnection);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/clip.mp4`;
  }

  const open = (url: string) =>
    FrameSource.open({
      input: url,
      width: 32,
      height: 32,
      channels: 3,
      ffmpeg: fixtureFfmpeg,
      networkTimeoutMs: 1000,
    });

  it('a server that accepts and never answers', async () => {
    const sockets: import('node:net').Socket[] = [];
    const url = await serve((socket) => sockets.push(socket));
    const started = Date.now();
    const { frames, error } = await readAll(await open(url));
    expect(frames).toBe(0);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'FW_ERR_NETWORK', permanent: false });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(ffmpegProcessesRunning()).toBe(0);
    for (const socket of sockets) socket.destroy();
  });

  it('a server that sends the headers and part of the file, then stalls', async () => {
    const video = await makeVideo({
      source: 'testsrc2',
      width: 32,
      height: 32,
      fps: 25,
      seconds: 4,
      codec: 'h264-ts',
    });
    const body = await readFile(video);
    const sockets: import('node:net').Socket[] = [];
    const url = await serve((socket) => {
      sockets.push(socket);
      socket.once('data', () => {
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\nContent-Length: ${body.length}\r\n\r\n`,
        );
        socket.write(body.subarray(0, Math.floor(body.length / 2)));
      });
    });
    const { frames, error } = await readAll(await open(url));
    expect(frames).toBeGreaterThan(0);
    expect(frames).toBeLessThan(100);
    expect(error).toBeInstanceOf(NetworkError);
    expect(ffmpegProcessesRunning()).toBe(0);
    for (const socket of sockets) socket.destroy();
  });

  it('a server that sends a byte every 300 ms (each read succeeds, no frame comes)', async () => {
    const sockets: import('node:net').Socket[] = [];
    const timers: NodeJS.Timeout[] = [];
    const url = await serve((socket) => {
      sockets.push(socket);
      socket.once('data', () => {
        socket.write(
          'HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\nContent-Length: 100000000\r\n\r\n',
        );
        timers.push(setInterval(() => socket.write(Buffer.from([0x47])), 300));
      });
    });
    const started = Date.now();
    const { frames, error } = await readAll(await open(url));
    for (const timer of timers) clearInterval(timer);
    for (const socket of sockets) socket.destroy();
    expect(frames).toBe(0);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/network input stalled: .* sent no video for 2 s/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(ffmpegProcessesRunning()).toBe(0);
  });

  it('a reader that pauses longer than the timeout is not a stall', async () => {
    const video = await makeVideo({
      source: 'testsrc2',
      width: 32,
      height: 32,
      fps: 25,
      seconds: 4,
      codec: 'h264-ts',
    });
    const body = await readFile(video);
    const url = await serve((socket) => {
      socket.once('data', () => {
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\nContent-Length: ${body.length}\r\n\r\n`,
        );
        socket.end(body);
      });
    });
    const source = await FrameSource.open({
      input: url,
      width: 32,
      height: 32,
      channels: 3,
      ffmpeg: fixtureFfmpeg,
      networkTimeoutMs: 500,
      highWaterFrames: 8,
      decodeAheadFrames: 0,
    });
    let frames = 0;
    try {
      for (let reads = 0; reads < 200; reads++) {
        const batch = await source.read(40);
        if (batch.length === 0) break;
        frames += batch.length;
        // Slower than the timeout: ffmpeg waits, paused, and that is not the network's fault.
        if (reads < 2) await new Promise((resolve) => setTimeout(resolve, 1500));
      }
    } finally {
      await source.close();
    }
    expect(frames).toBe(100);
  });
});
