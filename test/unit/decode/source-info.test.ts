import { describe, expect, it } from 'vitest';
import { SourceInfoParser } from '../../../src/decode/source-info.js';

function parse(text: string): SourceInfoParser {
  const parser = new SourceInfoParser();
  for (const line of text.split('\n')) parser.push(line);
  return parser;
}

// stderr of ffmpeg 4.1 on a png-in-Matroska fixture, up to the first frame.
const MKV = `Input #0, matroska,webm, from 'file:/tmp/png.mkv':
  Metadata:
    ENCODER         : Lavf58.24.100
  Duration: 00:00:02.00, start: 0.000000, bitrate: 476 kb/s
    Stream #0:0: Video: png (MPNG / 0x474E504D), rgb24(pc), 160x120 [SAR 1:1 DAR 4:3], 25 fps, 25 tbr, 1k tbn, 1k tbc (default)
    Metadata:
      ENCODER         : Lavc58.42.100 png
      DURATION        : 00:00:02.000000000
Stream mapping:
  Stream #0:0 -> #0:0 (png (native) -> rawvideo (native))
Output #0, rawvideo, to 'pipe:1':
    Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24, 99x99 [SAR 4:3 DAR 4:3], q=2-31, 2352 kb/s, 10 fps, 10 tbn, 10 tbc (default)`;

// An MP4 with audio first, as ffmpeg 6 prints it (stream ids in brackets, progressive flag).
const MP4 = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'https://example.com/a.mp4':
  Metadata:
    major_brand     : isom
  Duration: 01:02:03.50, start: 0.023220, bitrate: 1205 kb/s
  Stream #0:0[0x1](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 128 kb/s (default)
  Stream #0:1[0x2](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1280x720 [SAR 1:1 DAR 16:9], 1074 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)
Stream mapping:`;

describe('SourceInfoParser', () => {
  it('reads format, duration, start, codec, size and fps of the first video stream', () => {
    const parser = parse(MKV);
    expect(parser.complete).toBe(true);
    expect(parser.info).toEqual({
      format: 'matroska,webm',
      durationSec: 2,
      startSec: 0,
      codec: 'png',
      width: 160,
      height: 120,
      fps: 25,
    });
  });

  it('skips audio streams, parenthesised commas and hex tags', () => {
    expect(parse(MP4).info).toEqual({
      format: 'mov,mp4,m4a,3gp,3g2,mj2',
      durationSec: 3723.5,
      startSec: 0.02322,
      codec: 'h264',
      width: 1280,
      height: 720,
      fps: 29.97,
    });
  });

  it('leaves out a live stream duration and falls back to tbr when fps is missing', () => {
    const info = parse(`Input #0, rtsp, from 'rtsp://cam/1':
  Duration: N/A, start: 1.400000, bitrate: N/A
    Stream #0:0: Video: h264 (Main), yuv420p(progressive), 640x480, 1k tbr, 90k tbn, 180k tbc
Stream mapping:`).info;
    expect(info).toEqual({
      format: 'rtsp',
      startSec: 1.4,
      codec: 'h264',
      width: 640,
      height: 480,
      fps: 1000,
    });
  });

  it('is incomplete until the header ends, and ignores the output section', () => {
    const parser = parse(MKV.split('\n').slice(0, 5).join('\n'));
    expect(parser.opened).toBe(true);
    expect(parser.complete).toBe(false);
    expect(parse('file:/x.txt: Invalid data found when processing input').opened).toBe(false);
  });

  it('reports text rendered as video for what it is', () => {
    const info = parse(`Input #0, tty, from 'file:/tmp/notes.txt':
  Duration: 00:00:00.04, bitrate: 5 kb/s
    Stream #0:0: Video: ansi, pal8, 640x400, 25 fps, 25 tbr, 25 tbn, 25 tbc
Stream mapping:`).info;
    expect(info).toMatchObject({ format: 'tty', codec: 'ansi', durationSec: 0.04 });
    expect(info.startSec).toBeUndefined();
  });
});
