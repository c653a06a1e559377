import { describe, expect, it } from 'vitest';
import {
  isShowinfoLine,
  parseShowinfoFrame,
  parseShowinfoTimeBase,
} from '../../../src/decode/showinfo.js';

// Lines as printed by ffmpeg 4.1 (N-47683-g0e8eb07980-static) and, for the last, ffmpeg 6.
const FRAME_0 =
  '[Parsed_showinfo_2 @ 0x2693dbc0] n:   0 pts:      0 pts_time:0       pos:    31634 fmt:rgb24 sar:4/3 s:99x99 i:P iskey:1 type:I checksum:A01629B3 plane_checksum:[A01629B3] mean:[114 ] stdev:[112.4 ]';
const FRAME_12 =
  '[Parsed_showinfo_1 @ 0x55d0c8a3c2c0] n:  12 pts:   6144 pts_time:0.48    pos:    14512 fmt:rgb24 sar:1/1 s:99x99 i:P iskey:0 type:B checksum:1D4E8F6A';
const CONTINUATION =
  '[Parsed_showinfo_2 @ 0x2693dbc0] color_range:tv color_space:unknown color_primaries:unknown color_trc:unknown';
const FFMPEG6 =
  '[Parsed_showinfo_1 @ 0x7f3c1c004a80] n: 123 pts:1574400 pts_time:123     duration:  12800 duration_time:1       fmt:rgb24 cl:unspecified sar:1/1 s:99x99 i:P iskey:1 type:I checksum:5E2D8F01 plane_checksum:[5E2D8F01] mean:[118] stdev:[71.3]';

describe('parseShowinfoFrame', () => {
  it('reads n, pts and pts_time of a frame line', () => {
    expect(parseShowinfoFrame(FRAME_0)).toEqual({ n: 0, pts: 0, ptsTime: 0 });
    expect(parseShowinfoFrame(FRAME_12)).toEqual({ n: 12, pts: 6144, ptsTime: 0.48 });
    expect(parseShowinfoFrame(FFMPEG6)).toEqual({ n: 123, pts: 1574400, ptsTime: 123 });
  });

  it('reads negative and missing timestamps', () => {
    expect(
      parseShowinfoFrame('[Parsed_showinfo_0 @ 0x1] n:   3 pts:    -40 pts_time:-0.04 pos: 1'),
    ).toEqual({
      n: 3,
      pts: -40,
      ptsTime: -0.04,
    });
    expect(
      parseShowinfoFrame('[Parsed_showinfo_0 @ 0x1] n:   4 pts:NOPTS pts_time:NOPTS pos: 1'),
    ).toEqual({
      n: 4,
      pts: undefined,
      ptsTime: undefined,
    });
  });

  it('ignores showinfo continuation lines and every other line', () => {
    expect(parseShowinfoFrame(CONTINUATION)).toBeUndefined();
    expect(
      parseShowinfoFrame('  Duration: 00:00:02.00, start: 0.000000, bitrate: 476 kb/s'),
    ).toBeUndefined();
    expect(parseShowinfoFrame('[h264 @ 0x1] n:   0 pts: 0 pts_time:0')).toBeUndefined();
  });
});

describe('parseShowinfoTimeBase', () => {
  it('reads the input time base of the config line', () => {
    expect(
      parseShowinfoTimeBase(
        '[Parsed_showinfo_2 @ 0x2693dbc0] config in time_base: 1/10, frame_rate: 10/1',
      ),
    ).toEqual({ num: 1, den: 10 });
    expect(
      parseShowinfoTimeBase(
        '[Parsed_showinfo_2 @ 0x2693dbc0] config out time_base: 0/0, frame_rate: 0/0',
      ),
    ).toBeUndefined();
    expect(parseShowinfoTimeBase(FRAME_0)).toBeUndefined();
  });
});

describe('isShowinfoLine', () => {
  it('is true for every showinfo line and only those', () => {
    expect([FRAME_0, CONTINUATION, FFMPEG6].every(isShowinfoLine)).toBe(true);
    expect(isShowinfoLine('[mov,mp4,m4a,3gp,3g2,mj2 @ 0x3ad44d80] moov atom not found')).toBe(
      false,
    );
  });
});
