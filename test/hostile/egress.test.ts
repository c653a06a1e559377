import { readFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressProxy, type EgressSession } from '../../src/decode/egress-proxy.js';
import { FrameSource } from '../../src/decode/frame-source.js';
import { readAll } from '../support/read-source.js';
import { protocolWhitelist } from '../../src/policy/protocol-whitelist.js';
import { ffmpegProcessesRunning, fixtureFfmpeg, makeVideo } from '../support/videos.js';

/** Stands for a public server. */
const PUBLIC = '127.0.0.2';
/** Stands for the cloud metadata service: never to be reached. */
const PRIVATE = '127.0.0.3';

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

describe('the egress proxy sees every connection ffmpeg makes', () => {
  let video: Buffer;
  let publicServer: Server;
  let privateServer: Server;
  let publicPort: number;
  let privatePort: number;
  let privateHits = 0;
  let proxy: EgressProxy;
  let answers: Record<string, string[]>;

  beforeAll(async () => {
    video = await readFile(
      await makeVideo({
        source: 'testsrc2',
        width: 32,
        height: 32,
        fps: 10,
        seconds: 2,
        codec: 'h264-ts',
      }),
    );
    privateServer = createServer((req, res) => {
      privateHits++;
      res.writeHead(200, { 'content-type': 'video/mp2t' }).end(video);
    });
    privatePort = await listen(privateServer, PRIVATE);
    const secret = `http://${PRIVATE}:${privatePort}/secret.ts`;
    publicServer = createServer((req, res) => {
      const playlist = (segment: string) =>
        res
          .writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' })
          .end(`#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n${segment}\n#EXT-X-ENDLIST\n`);
      if (req.url === '/clip.ts') res.writeHead(200, { 'content-type': 'video/mp2t' }).end(video);
      else if (req.url === '/redirect.ts') res.writeHead(302, { location: secret }).end();
      else if (req.url === '/good.m3u8') playlist(`http://public.test:${publicPort}/clip.ts`);
      else if (req.url === '/bad.m3u8') playlist(secret);
      else if (req.url === '/file.m3u8') playlist('file:///etc/passwd');
      else if (req.url === '/key.m3u8') {
        // The segment is allowed; the AES-128 key it needs is at the refused address.
        res
          .writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' })
          .end(
            `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI="http://${PRIVATE}:${privatePort}/key"\n` +
              `#EXTINF:2.0,\nhttp://public.test:${publicPort}/clip.ts\n#EXT-X-ENDLIST\n`,
          );
      } else if (req.url === '/variants.m3u8') {
        // A variant playlist at the refused address.
        res
          .writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' })
          .end(
            `#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100000\nhttp://${PRIVATE}:${privatePort}/media.m3u8\n`,
          );
      } else res.writeHead(404).end();
    });
    publicPort = await listen(publicServer, PUBLIC);
    answers = { 'public.test': [PUBLIC], 'metadata.test': [PRIVATE] };
    proxy = new EgressProxy({
      lookup: async (host) => {
        const list = answers[host];
        if (list === undefined) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
        // A rebinding name answers its next address each time.
        const address = list.length > 1 ? list.shift()! : list[0]!;
        return [{ address, family: 4 }];
      },
      check: (address) => (address === PRIVATE ? `${address} is the metadata stand-in` : undefined),
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => publicServer.close(resolve));
    await new Promise((resolve) => privateServer.close(resolve));
  });

  async function through(
    url: string,
    extraArgs: readonly string[] = [],
  ): Promise<{ frames: number; error: unknown; session: EgressSession }> {
    const session = await proxy.session();
    const source = await FrameSource.open({
      input: url,
      width: 32,
      height: 32,
      channels: 3,
      ffmpeg: fixtureFfmpeg,
      inputArgs: [...extraArgs, '-http_proxy', session.url],
      networkTimeoutMs: 5000,
    });
    const result = await readAll(source);
    await session.close();
    return { ...result, session };
  }

  it('lets an allowed host through: every frame arrives', async () => {
    const { frames, error, session } = await through(`http://public.test:${publicPort}/clip.ts`);
    expect(error).toBeUndefined();
    expect(frames).toBe(20);
    expect(session.refusals).toEqual([]);
  });

  it('an HLS playlist whose segments are allowed plays', async () => {
    const { frames, error } = await through(`http://public.test:${publicPort}/good.m3u8`);
    expect(error).toBeUndefined();
    expect(frames).toBe(20);
  });

  it.each([
    ['a redirect to a refused address', '/redirect.ts'],
    ['a playlist segment at a refused address', '/bad.m3u8'],
    ['an AES-128 key at a refused address', '/key.m3u8'],
    ['a variant playlist at a refused address', '/variants.m3u8'],
  ])('%s is refused, and nothing reaches it', async (_name, path) => {
    const before = privateHits;
    const { frames, session } = await through(`http://public.test:${publicPort}${path}`);
    expect(frames).toBe(0);
    expect(session.refusals).toContainEqual(
      expect.objectContaining({
        host: PRIVATE,
        reason: expect.stringMatching(/metadata stand-in/),
      }),
    );
    expect(privateHits).toBe(before);
    expect(ffmpegProcessesRunning()).toBe(0);
  });

  it('a name whose address changes after the first check (DNS rebinding) is refused', async () => {
    answers['rebind.test'] = [PUBLIC, PRIVATE];
    // What the URL policy saw when the job was admitted:
    const first = answers['rebind.test'][0];
    answers['rebind.test'].shift();
    expect(first).toBe(PUBLIC);
    const before = privateHits;
    const { frames, session } = await through(`http://rebind.test:${privatePort}/secret.ts`);
    expect(frames).toBe(0);
    expect(session.refusals).toContainEqual(
      expect.objectContaining({
        host: 'rebind.test',
        reason: expect.stringMatching(/resolves to 127\.0\.0\.3/),
      }),
    );
    expect(privateHits).toBe(before);
  });

  it('https is tunnelled with CONNECT, checked the same way', async () => {
    const before = privateHits;
    const { frames, error, session } = await through(
      `https://metadata.test:${privatePort}/secret.ts`,
    );
    expect(frames).toBe(0);
    expect(privateHits).toBe(before);
    if (session.refusals.length === 0) {
      // The bundled static ffmpeg 4.1 crashes on an https URL with a host name before it
      // connects: nothing is reached, and the error says what to do.
      expect((error as Error).message).toMatch(
        /ffmpeg crashed \(SIGSEGV\) .*https URLs with host names/,
      );
    } else {
      expect(session.refusals).toContainEqual(expect.objectContaining({ host: 'metadata.test' }));
    }
  });

  it('a closed session takes no connection', async () => {
    const session = await proxy.session();
    await session.close();
    const refused = await new Promise<string>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: Number(new URL(session.url).port),
        path: '/',
      });
      req.on('response', () => resolve('answered'));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      req.end();
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('a web playlist naming a local file is refused by the protocol whitelist, as refused', async () => {
    const { frames, error } = await through(`http://public.test:${publicPort}/file.m3u8`, [
      '-protocol_whitelist',
      protocolWhitelist('http'),
    ]);
    expect(frames).toBe(0);
    expect(error).toMatchObject({ code: 'FW_ERR_URL_REFUSED', permanent: true });
    expect((error as Error).message).toMatch(/made ffmpeg open a file: resource/);
  });
});
