import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { findFfmpeg } from '../../src/decode/find-ffmpeg.js';

/** The multipart boundary of the MJPEG stream. */
const BOUNDARY = 'framewiseframe';

/** What the camera stand-in shows. */
export interface LiveStreamOptions {
  /** lavfi source. @defaultValue 'testsrc2' */
  readonly source?: string;
  /** Frames per second. @defaultValue 25 */
  readonly fps?: number;
  /** Picture size, `WxH`. @defaultValue '96x72' */
  readonly size?: string;
  /**
   * `mpegts`: MPEG-2 video in MPEG-TS, as encoders and gateways send; `mjpeg`: JPEG frames as
   * `multipart/x-mixed-replace`, as many IP cameras serve them.
   * @defaultValue 'mpegts'
   */
  readonly format?: 'mpegts' | 'mjpeg';
  /** Seconds each viewer's stream lasts before it ends. @defaultValue endless */
  readonly seconds?: number;
}

/**
 * A live camera stand-in for tests and benchmarks: an HTTP server on loopback that streams
 * MPEG-TS rendered in real time by ffmpeg (`-re`) from a lavfi source, one ffmpeg per viewer.
 * It can go down (every connection cut, new ones refused) and come back on the same port.
 */
export class LiveStreamServer {
  private server: Server | undefined;
  private ffmpegPath = '';
  private readonly encoders = new Set<ChildProcess>();
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly options: LiveStreamOptions = {}) {}

  /** Starts serving `/live.ts`; resolves once it listens. */
  async start(): Promise<void> {
    this.ffmpegPath ||= (await findFfmpeg()).path;
    const server = createServer((request, response) => this.stream(response));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** The stream's URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/live.ts`;
  }

  /** Goes down: cuts every viewer, stops the encoders, refuses connections until `start()`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const encoder of this.encoders) encoder.kill('SIGKILL');
    for (const socket of this.sockets) socket.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private stream(response: ServerResponse): void {
    const mjpeg = this.options.format === 'mjpeg';
    const encoder = spawn(
      this.ffmpegPath,
      [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        `${this.options.source ?? 'testsrc2'}=size=${this.options.size ?? '96x72'}:rate=${this.options.fps ?? 25}${this.options.seconds === undefined ? '' : `:duration=${this.options.seconds}`}`,
        ...(mjpeg
          ? ['-c:v', 'mjpeg', '-q:v', '5', '-f', 'mpjpeg', '-boundary_tag', BOUNDARY]
          : ['-c:v', 'mpeg2video', '-q:v', '5', '-f', 'mpegts']),
        'pipe:1',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    this.encoders.add(encoder);
    encoder.once('exit', () => this.encoders.delete(encoder));
    response.writeHead(200, {
      'content-type': mjpeg ? `multipart/x-mixed-replace;boundary=${BOUNDARY}` : 'video/mp2t',
    });
    encoder.stdout!.pipe(response);
    response.once('close', () => encoder.kill('SIGKILL'));
  }
}
