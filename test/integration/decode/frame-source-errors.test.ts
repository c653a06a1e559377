import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FramewiseError, InputError, NetworkError } from '../../../src/errors.js';
import { FrameSource } from '../../../src/decode/frame-source.js';
import type { Frame } from '../../../src/decode/frame.js';
import {
  decodeReference,
  ffmpegProcessesRunning,
  fixtureFfmpeg,
  makeAudioOnly,
  makeEmptyFile,
  makeTextFile,
  makeTruncatedCopy,
  makeTruncatedMp4,
  makeVideo,
} from '../../support/videos.js';

/**
 * Opens `input` and reads it to the end; returns the typed error it fails with and the number of
 * frames delivered before, closing the source in any case.
 */
async function failureOf(input: string): Promise<{ error: unknown; frames: number }> {
  let frames = 0;
  let source: FrameSource | undefined;
  try {
    source = await FrameSource.open({
      input,
      width: 32,
      height: 32,
      channels: 3,
      ffmpeg: fixtureFfmpeg,
    });
    for (let batch = await source.read(64); batch.length > 0; batch = await source.read(64)) {
      frames += batch.length;
    }
    return { error: undefined, frames };
  } catch (error) {
    return { error, frames };
  } finally {
    await source?.close();
  }
}

describe('FrameSource rejects bad input with a typed error and leaves no ffmpeg behind', () => {
  const cases: [string, () => Promise<string>, string, RegExp][] = [
    [
      'a missing file',
      async () => '/nonexistent/clip.mp4',
      'FW_ERR_INPUT_NOT_FOUND',
      /^input not found: \/nonexistent\/clip\.mp4; check the path$/,
    ],
    [
      'a missing file:// URL',
      async () => 'file:///nonexistent/clip.mp4',
      'FW_ERR_INPUT_NOT_FOUND',
      /input not found: file:\/\/\/nonexistent/,
    ],
    [
      'a text file',
      makeTextFile,
      'FW_ERR_NOT_A_VIDEO',
      // ffmpeg 4 renders text as ANSI art (refused by its format); 5 and later refuse it.
      /^input is not a video: .*\.txt \((ffmpeg reads it as text, format tty|invalid data)\); give a video file$/,
    ],
    ['a zero-byte file', makeEmptyFile, 'FW_ERR_NOT_A_VIDEO', /^input is empty \(0 bytes\): /],
    [
      'a truncated mp4',
      makeTruncatedMp4,
      'FW_ERR_CORRUPT_INPUT',
      /^input is truncated or corrupt: .*\(moov atom not found\); re-download or re-encode it$/,
    ],
    [
      'an audio-only file',
      makeAudioOnly,
      'FW_ERR_NO_VIDEO_STREAM',
      /^input has no video stream: .*\.m4a \(audio or data only\)/,
    ],
    [
      'an unknown protocol',
      async () => 'foo://x',
      'FW_ERR_UNKNOWN_PROTOCOL',
      /^unknown protocol in input foo:\/\/x; /,
    ],
  ];

  it.each(cases)('%s', async (_name, makeInput, code, message) => {
    const { error, frames } = await failureOf(await makeInput());
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code, permanent: true });
    expect((error as Error).message).toMatch(message);
    expect(frames).toBe(0);
    expect(ffmpegProcessesRunning()).toBe(0);
  });

  it('a file name with a colon is a file, not a protocol', async () => {
    const { error } = await failureOf('./no:such.mp4');
    expect(error).toMatchObject({ code: 'FW_ERR_INPUT_NOT_FOUND' });
  });
});

describe('FrameSource on a file cut short', () => {
  it('delivers the frames before the cut, then rejects with FW_ERR_CORRUPT_INPUT', async () => {
    const video = await makeVideo({
      source: 'testsrc2',
      width: 32,
      height: 32,
      fps: 25,
      seconds: 2,
      codec: 'png-mkv',
    });
    const cut = await makeTruncatedCopy(video, 0.5);
    const source = await FrameSource.open({
      input: cut,
      width: 32,
      height: 32,
      channels: 3,
      ffmpeg: fixtureFfmpeg,
    });
    const frames: Frame[] = [];
    // Bounded: a source that ends without the error must not spin on empty reads.
    const error = await (async () => {
      for (let reads = 0; reads < 100; reads++) {
        const batch = await source.read(64);
        if (batch.length === 0) return undefined;
        frames.push(...batch);
      }
      return undefined;
    })().catch((e: unknown) => e);
    await source.close();
    const reference = decodeReference(video, { width: 32, height: 32 });
    expect(frames.length).toBeGreaterThan(10);
    expect(frames.length).toBeLessThan(50);
    expect(
      frames.every((f, i) => Buffer.from(f.pixels).equals(reference[i] ?? new Uint8Array(0))),
    ).toBe(true);
    expect(error).toMatchObject({ code: 'FW_ERR_CORRUPT_INPUT' });
    expect((error as Error).message).toMatch(
      /^input is truncated or corrupt: .*\((Read error|File ended prematurely)\); re-download or re-encode it$/,
    );
    await expect(source.read(1)).resolves.toEqual([]);
  });
});

describe('FrameSource over HTTP', () => {
  let server: Server;
  let base: string;
  let video: string;

  beforeAll(async () => {
    video = await makeVideo({
      source: 'testsrc2',
      width: 32,
      height: 32,
      fps: 25,
      seconds: 1,
      codec: 'h264-mp4',
    });
    const { readFile } = await import('node:fs/promises');
    const body = await readFile(video);
    server = createServer((request, response) => {
      const status = Number(/^\/(\d{3})/.exec(request.url ?? '')?.[1] ?? 200);
      response.writeHead(status, {
        'content-type': 'video/mp4',
        'content-length': status === 200 ? body.length : 0,
      });
      response.end(status === 200 ? body : undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('decodes a video served over HTTP', async () => {
    const { error, frames } = await failureOf(`${base}/200/clip.mp4`);
    expect(error).toBeUndefined();
    expect(frames).toBe(25);
  });

  it('a 404 is a permanent InputError, a 503 a retryable NetworkError', async () => {
    const notFound = await failureOf(`${base}/404/clip.mp4`);
    expect(notFound.error).toMatchObject({ code: 'FW_ERR_INPUT_NOT_FOUND', permanent: true });
    expect((notFound.error as Error).message).toMatch(
      /\(server returned 404 Not Found\); check the URL$/,
    );
    const unavailable = await failureOf(`${base}/503/clip.mp4`);
    expect(unavailable.error).toBeInstanceOf(NetworkError);
    expect(unavailable.error).toMatchObject({ code: 'FW_ERR_NETWORK', permanent: false });
    expect(ffmpegProcessesRunning()).toBe(0);
  });

  it('a refused connection is a retryable NetworkError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { error } = await failureOf(`http://127.0.0.1:${port}/clip.mp4`);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as FramewiseError).message).toMatch(
      /^network error reading http:.*\(Connection refused\)/,
    );
  });

  it('keeps the file:// URL form of a local file working', async () => {
    const { error, frames } = await failureOf(pathToFileURL(video).href);
    expect(error).toBeUndefined();
    expect(frames).toBe(25);
  });
});
