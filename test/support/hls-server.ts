import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fixtureFfmpeg } from './videos.js';

/** Name of the playlist the encoder writes and the server serves. */
const PLAYLIST = 'live.m3u8';

/**
 * A live HLS stand-in: ffmpeg renders a lavfi source in real time (`-re`) into a rolling HLS
 * playlist of one-second MPEG-TS segments in a temporary directory, old segments deleted, no
 * end marker; an HTTP server on loopback serves that directory, as a CDN edge would.
 */
export class HlsStreamServer {
  private server: Server | undefined;
  private encoder: ChildProcess | undefined;
  private dir = '';
  private port = 0;

  /** Starts the encoder and the server; resolves once the playlist lists a segment. */
  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'framewise-hls-'));
    this.encoder = spawn(
      fixtureFfmpeg.path,
      [
        ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-re'],
        ...['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25'],
        ...['-c:v', 'mpeg2video', '-q:v', '5', '-g', '25'],
        ...['-f', 'hls', '-hls_time', '1', '-hls_list_size', '5'],
        ...['-hls_flags', 'delete_segments', join(this.dir, PLAYLIST)],
      ],
      { stdio: 'ignore' },
    );
    const server = createServer((request, response) => {
      // Only plain names inside the directory: the playlist and its segments.
      const name = basename(new URL(request.url ?? '/', 'http://x').pathname);
      readFile(join(this.dir, name)).then(
        (body) =>
          response
            .writeHead(200, {
              'content-length': body.length,
              'content-type': name.endsWith('.ts') ? 'video/mp2t' : 'application/vnd.apple.mpegurl',
            })
            .end(body),
        () => response.writeHead(404).end(),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    for (let waited = 0; !(await this.hasSegment()); waited += 100) {
      if (waited > 15_000) throw new Error('the HLS encoder wrote no segment in 15 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The playlist's URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/${PLAYLIST}`;
  }

  /** Stops the encoder and the server and removes the directory. */
  async stop(): Promise<void> {
    this.encoder?.kill('SIGKILL');
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private async hasSegment(): Promise<boolean> {
    const text = await readFile(join(this.dir, PLAYLIST), 'utf8').catch(() => '');
    return text.includes('.ts');
  }
}
