import { describe, expect, it } from 'vitest';
import { resolveInput } from '../../../src/policy/input-location.js';

describe('resolveInput', () => {
  it('makes a relative path absolute and hands it to ffmpeg with the file: protocol', () => {
    expect(resolveInput('clips/a.mp4')).toEqual({
      input: 'clips/a.mp4',
      ffmpegInput: `file:${process.cwd()}/clips/a.mp4`,
      path: `${process.cwd()}/clips/a.mp4`,
    });
  });

  it('keeps a colon in a file name from being read as a protocol', () => {
    expect(resolveInput('/v/12:30 meeting.mp4').ffmpegInput).toBe('file:/v/12:30 meeting.mp4');
  });

  it('turns a file:// URL into a path, decoding escapes', () => {
    expect(resolveInput('file:///v/my%20clip.mp4')).toMatchObject({
      path: '/v/my clip.mp4',
      ffmpegInput: 'file:/v/my clip.mp4',
    });
  });

  it('passes URLs to ffmpeg as given, with their scheme', () => {
    expect(resolveInput('RTSP://cam.local/stream')).toEqual({
      input: 'RTSP://cam.local/stream',
      ffmpegInput: 'RTSP://cam.local/stream',
      protocol: 'rtsp',
    });
    expect(resolveInput('foo://x').protocol).toBe('foo');
  });

  it('rejects an empty input and a malformed file URL with a typed error', () => {
    expect(() => resolveInput('')).toThrow(
      expect.objectContaining({ code: 'FW_ERR_INPUT_NOT_FOUND' }),
    );
    expect(() => resolveInput('file://remote-host/x.mp4')).toThrow(
      expect.objectContaining({
        code: 'FW_ERR_INPUT_NOT_FOUND',
        message: expect.stringMatching(/not a valid file URL/),
      }),
    );
  });
});
