import { describe, expect, it } from 'vitest';
import { FfmpegError, InputError, NetworkError } from '../../../src/errors.js';
import {
  classifyFfmpegFailure,
  detectEarlyEnd,
  rejectTextInput,
  type FfmpegFailureContext,
} from '../../../src/decode/ffmpeg-errors.js';

// stderr samples below are what ffmpeg 4.1 (N-47683-g0e8eb07980-static) printed for each case.
function failure(
  stderr: string,
  overrides: Partial<FfmpegFailureContext> = {},
): FfmpegFailureContext {
  const lines = stderr.split('\n');
  return {
    input: '/media/clip.mp4',
    remote: false,
    opened: lines.some((line) => line.startsWith('Input #0')),
    exitCode: 1,
    signal: null,
    stderr: lines,
    ...overrides,
  };
}

const remote = (url: string): Partial<FfmpegFailureContext> => ({ input: url, remote: true });

describe('classifyFfmpegFailure', () => {
  it.each<[string, string, Partial<FfmpegFailureContext>, string, RegExp]>([
    [
      'a missing file',
      'file:/media/clip.mp4: No such file or directory',
      {},
      'FW_ERR_INPUT_NOT_FOUND',
      /^input not found: \/media\/clip\.mp4; check the path$/,
    ],
    [
      'text misdetected as mp4',
      `[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1e9c7d80] Format mov,mp4,m4a,3gp,3g2,mj2 detected only with low score of 1, misdetection possible!
[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1e9c7d80] moov atom not found
file:/media/clip.mp4: Invalid data found when processing input`,
      {},
      'FW_ERR_NOT_A_VIDEO',
      /^input is not a video: \/media\/clip\.mp4 \(ffmpeg does not recognise its format\); give a video file$/,
    ],
    [
      'data of no known format',
      'file:/media/clip.mp4: Invalid data found when processing input',
      {},
      'FW_ERR_NOT_A_VIDEO',
      /not a video.*invalid data/,
    ],
    [
      'an mp4 cut before its index',
      `[mov,mp4,m4a,3gp,3g2,mj2 @ 0x3ad44d80] moov atom not found
file:/media/clip.mp4: Invalid data found when processing input`,
      {},
      'FW_ERR_CORRUPT_INPUT',
      /^input is truncated or corrupt: \/media\/clip\.mp4 \(moov atom not found\); re-download or re-encode it$/,
    ],
    [
      'an audio-only file',
      `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/media/clip.mp4':
  Duration: 00:00:01.02, start: 0.000000, bitrate: 77 kb/s
    Stream #0:0(und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 69 kb/s (default)
Stream map '0:v:0' matches no streams.
To ignore this, add a trailing '?' to the map.`,
      {},
      'FW_ERR_NO_VIDEO_STREAM',
      /^input has no video stream: \/media\/clip\.mp4/,
    ],
    [
      'an unknown protocol',
      'foo://x: Protocol not found\nDid you mean file:foo://x?',
      { input: 'foo://x', remote: true },
      'FW_ERR_UNKNOWN_PROTOCOL',
      /^unknown protocol in input foo:\/\/x; /,
    ],
    ['a directory', 'file:/media: Is a directory', {}, 'FW_ERR_NOT_A_VIDEO', /it is a directory/],
    [
      'HTTP 404',
      `[http @ 0x11db9500] HTTP error 404 Not Found
http://h/404.mp4: Server returned 404 Not Found`,
      remote('http://h/404.mp4'),
      'FW_ERR_INPUT_NOT_FOUND',
      /^input not found: http:\/\/h\/404\.mp4 \(server returned 404 Not Found\); check the URL$/,
    ],
    [
      'HTTP 403',
      `[http @ 0x5aaa500] HTTP error 403 Forbidden
http://h/403.mp4: Server returned 403 Forbidden (access denied)`,
      remote('http://h/403.mp4'),
      'FW_ERR_INPUT_NOT_FOUND',
      /refused by the server: http:\/\/h\/403\.mp4 \(403 Forbidden\); check the URL and its credentials$/,
    ],
    [
      'HTTP 410',
      `[http @ 0x2f74e500] HTTP error 410 Gone
http://h/410.mp4: Server returned 4XX Client Error, but not one of 40{0,1,3,4}`,
      remote('http://h/410.mp4'),
      'FW_ERR_INPUT_NOT_FOUND',
      /server returned 4XX Client Error/,
    ],
    [
      'an RTSP 404',
      '[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found\nrtsp://cam/x: Server returned 404 Not Found',
      remote('rtsp://cam/x'),
      'FW_ERR_INPUT_NOT_FOUND',
      /404 Not Found/,
    ],
  ])('%s → InputError', (_name, stderr, overrides, code, message) => {
    const error = classifyFfmpegFailure(failure(stderr, overrides));
    expect(error).toBeInstanceOf(InputError);
    expect(error.code).toBe(code);
    expect(error.permanent).toBe(true);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });

  it.each<[string, string, string]>([
    [
      'connection refused',
      `[tcp @ 0x215cfc80] Connection to tcp://127.0.0.1:9?timeout=0 failed: Connection refused
rtsp://127.0.0.1:9/x: Connection refused`,
      'Connection refused',
    ],
    ['a timeout', 'http://h/x.mp4: Connection timed out', 'Connection timed out'],
    [
      'HTTP 503',
      `[http @ 0x2f1d6500] HTTP error 503 Service Unavailable
http://h/503.mp4: Server returned 5XX Server Error reply`,
      'server error 5XX Server Error reply',
    ],
  ])('%s → NetworkError (retryable)', (_name, stderr, reason) => {
    const error = classifyFfmpegFailure(failure(stderr, remote('http://h/x.mp4')));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.code).toBe('FW_ERR_NETWORK');
    expect(error.permanent).toBe(false);
    expect(error.message).toContain(`(${reason})`);
    expect(error.message).toMatch(/^network error reading http:\/\/h\/x\.mp4 .*then retry$/);
  });

  it('a stream that breaks mid-way is a network error, a file that does is corrupt', () => {
    const stderr = `Input #0, matroska,webm, from 'x':
[matroska,webm @ 0xb005d80] Read error`;
    expect(classifyFfmpegFailure(failure(stderr, remote('https://h/x.mkv'))).code).toBe(
      'FW_ERR_NETWORK',
    );
    expect(classifyFfmpegFailure(failure(stderr)).code).toBe('FW_ERR_CORRUPT_INPUT');
  });

  it('a crash is an FfmpegError that names the signal', () => {
    const error = classifyFfmpegFailure(failure('', { exitCode: null, signal: 'SIGSEGV' }));
    expect(error).toBeInstanceOf(FfmpegError);
    expect(error.code).toBe('FW_ERR_FFMPEG_FAILED');
    expect(error.message).toMatch(/^ffmpeg crashed \(SIGSEGV\) reading \/media\/clip\.mp4; /);
  });

  it('anything else is an FfmpegError quoting the last error line, with the stderr tail as cause', () => {
    const stderr = `Input #0, matroska,webm, from 'x':
[graph 0 input from stream 0:0 @ 0x1] Unable to parse option value "x" as pixel format
Error reinitializing filters!
Conversion failed!`;
    const error = classifyFfmpegFailure(failure(stderr, { exitCode: 1 }));
    expect(error).toBeInstanceOf(FfmpegError);
    expect(error.message).toBe(
      "ffmpeg failed (exit code 1) reading /media/clip.mp4: Conversion failed!; see the error's cause for ffmpeg's output",
    );
    expect(String((error.cause as Error).message)).toContain('Unable to parse option value');
  });
});

describe('detectEarlyEnd', () => {
  const opened = "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/media/clip.mp4':";

  it('flags a demuxer that hit the end of a partial file', () => {
    const stderr = `${opened}
[mov,mp4,m4a,3gp,3g2,mj2 @ 0x19f69d80] stream 0, offset 0x43ec: partial file
file:/media/clip.mp4: Invalid data found when processing input`;
    const error = detectEarlyEnd(failure(stderr, { exitCode: 0 }), 'file:/media/clip.mp4');
    expect(error?.code).toBe('FW_ERR_CORRUPT_INPUT');
    expect(error?.message).toContain('(partial file)');
  });

  it('does not flag errors the decoder concealed inside a complete file', () => {
    const stderr = `${opened}
[h264 @ 0x11619080] error while decoding MB 7 1, bytestream -6
[h264 @ 0x11619080] concealing 80 DC, 80 AC, 80 MV errors in P frame
Error while decoding stream #0:0: Invalid data found when processing input`;
    expect(
      detectEarlyEnd(failure(stderr, { exitCode: 0 }), 'file:/media/clip.mp4'),
    ).toBeUndefined();
  });

  it('flags a dropped connection on a stream as a network error', () => {
    const stderr = `${opened}\n[tls @ 0x1] Error in the pull function.\n[http @ 0x1] Connection reset by peer`;
    const error = detectEarlyEnd(
      failure(stderr, { exitCode: 0, ...remote('https://h/x') }),
      'https://h/x',
    );
    expect(error).toBeInstanceOf(NetworkError);
  });
});

describe('rejectTextInput', () => {
  it('rejects text that ffmpeg renders as ANSI art, and nothing else', () => {
    const error = rejectTextInput({ format: 'tty', codec: 'ansi' }, '/notes.txt');
    expect(error?.code).toBe('FW_ERR_NOT_A_VIDEO');
    expect(error?.message).toBe(
      'input is not a video: /notes.txt (ffmpeg reads it as text, format tty); give a video file',
    );
    expect(rejectTextInput({ format: 'matroska,webm', codec: 'png' }, '/a.mkv')).toBeUndefined();
  });
});
