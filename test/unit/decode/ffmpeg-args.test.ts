import { describe, expect, it } from 'vitest';
import {
  PIXEL_FORMATS,
  SCALE_FLAGS,
  buildFfmpegArgs,
  pixelLayout,
} from '../../../src/decode/ffmpeg-args.js';

const base = { input: 'file:/v/clip.mp4', width: 99, height: 64, channels: 3 } as const;

/** The value that follows `flag` in `args`. */
function valueOf(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at === -1 ? undefined : args[at + 1];
}

describe('buildFfmpegArgs', () => {
  it('decodes the first video stream to raw rgb24 frames on stdout, timestamps via showinfo', () => {
    // prettier-ignore
    expect(buildFfmpegArgs(base)).toEqual([
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info',
      '-i', 'file:/v/clip.mp4',
      '-map', '0:v:0', '-an', '-sn', '-dn',
      '-vf', `scale=99:64:flags=${SCALE_FLAGS},showinfo`,
      '-vsync', 'passthrough',
      '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1',
    ]);
  });

  it('with decodeAheadFrames, queues that many frames in the fifo muxer before the pipe', () => {
    const args = buildFfmpegArgs({ ...base, decodeAheadFrames: 64 });
    // prettier-ignore
    expect(args.slice(args.indexOf('-pix_fmt'))).toEqual([
      '-pix_fmt', 'rgb24', '-c:v', 'rawvideo',
      '-f', 'fifo', '-fifo_format', 'rawvideo', '-queue_size', '64', 'pipe:1',
    ]);
    expect(buildFfmpegArgs({ ...base, decodeAheadFrames: 0 })).toEqual(buildFfmpegArgs(base));
  });

  it('puts -ss and -t before -i so that the seek is fast and showinfo sees only output frames', () => {
    const args = buildFfmpegArgs({ ...base, startSec: 1.5, durationSec: 2 });
    const input = args.indexOf('-i');
    expect(args.indexOf('-ss')).toBeLessThan(input);
    expect(args.indexOf('-t')).toBeLessThan(input);
    expect(valueOf(args, '-ss')).toBe('1.5');
    expect(valueOf(args, '-t')).toBe('2');
  });

  it('leaves out -ss for a start of 0', () => {
    expect(buildFfmpegArgs({ ...base, startSec: 0 })).not.toContain('-ss');
  });

  it('resamples with fps before scaling, and showinfo comes last', () => {
    const args = buildFfmpegArgs({ ...base, fps: 12.5 });
    expect(valueOf(args, '-vf')).toBe(`fps=12.5,scale=99:64:flags=${SCALE_FLAGS},showinfo`);
  });

  it('writes numbers in plain decimal notation', () => {
    const args = buildFfmpegArgs({ ...base, startSec: 1e-7, fps: 2e-7 });
    expect(valueOf(args, '-ss')).toBe('0.000000100');
    expect(valueOf(args, '-vf')).toMatch(/^fps=0\.000000200,/);
  });

  it.each(['rtsp://cam.example/stream', 'RTSPS://cam.example/stream'])(
    'reads %s over TCP (interleaved), never UDP',
    (input) => {
      const args = buildFfmpegArgs({ ...base, input });
      expect(valueOf(args, '-rtsp_transport')).toBe('tcp');
      expect(args.indexOf('-rtsp_transport')).toBeLessThan(args.indexOf('-i'));
    },
  );

  it('sets no RTSP transport for other inputs', () => {
    expect(buildFfmpegArgs({ ...base, input: 'http://cam.example/rtsp.ts' })).not.toContain(
      '-rtsp_transport',
    );
  });

  it('places inputArgs right before -i, as separate arguments (never a shell)', () => {
    const args = buildFfmpegArgs({
      ...base,
      startSec: 3,
      inputArgs: ['-protocol_whitelist', 'file,http,tcp', '-rw_timeout', '5000000'],
    });
    const input = args.indexOf('-i');
    expect(args.slice(input - 4, input)).toEqual([
      '-protocol_whitelist',
      'file,http,tcp',
      '-rw_timeout',
      '5000000',
    ]);
    expect(args.indexOf('-ss')).toBeLessThan(input - 4);
  });

  it.each([
    [3, 'rgb', 'rgb24'],
    [3, 'bgr', 'bgr24'],
    [1, 'rgb', 'gray'],
    [1, 'bgr', 'gray'],
  ] as const)('channels %i, order %s → -pix_fmt %s', (channels, channelOrder, pixelFormat) => {
    expect(valueOf(buildFfmpegArgs({ ...base, channels, channelOrder }), '-pix_fmt')).toBe(
      pixelFormat,
    );
  });
});

describe('PIXEL_FORMATS', () => {
  it('maps each layout to a packed 8-bit format with its channel count', () => {
    expect(PIXEL_FORMATS).toEqual({
      rgb: { pixelFormat: 'rgb24', channels: 3 },
      bgr: { pixelFormat: 'bgr24', channels: 3 },
      gray: { pixelFormat: 'gray', channels: 1 },
    });
    expect(pixelLayout(3)).toBe('rgb');
    expect(pixelLayout(1, 'bgr')).toBe('gray');
  });
});
