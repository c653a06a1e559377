import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import {
  DECODE_AHEAD_BYTES,
  FRAME_SOURCE_DEFAULTS,
  MAX_DECODE_AHEAD_FRAMES,
  resolveFrameSourceOptions,
  type FrameSourceOptions,
} from '../../../src/decode/frame-source-options.js';

const base: FrameSourceOptions = { input: 'a.mp4', width: 99, height: 99, channels: 3 };

describe('resolveFrameSourceOptions', () => {
  it('applies the defaults', () => {
    expect(resolveFrameSourceOptions(base)).toEqual({
      ...FRAME_SOURCE_DEFAULTS,
      ...base,
      decodeAheadFrames: MAX_DECODE_AHEAD_FRAMES,
    });
    expect(FRAME_SOURCE_DEFAULTS).toEqual({
      maxInputPixels: 8192 * 8192,
      networkTimeoutMs: 30_000,
      channelOrder: 'rgb',
      startSec: 0,
      firstIndex: 0,
      inputArgs: [],
      highWaterFrames: 64,
      overload: 'block',
      arrivalTimes: false,
    });
  });

  it.each<[Partial<Record<keyof FrameSourceOptions, unknown>>, string]>([
    [{ input: '' }, 'input must be a non-empty string (a path or a URL), got ""'],
    [{ width: 0 }, 'width must be an integer from 1 to 8192, got 0'],
    [{ height: 99.5 }, 'height must be an integer from 1 to 8192, got 99.5'],
    [{ channels: 4 }, 'channels must be 1 or 3, got 4'],
    [{ channelOrder: 'rbg' }, `channelOrder must be 'rgb' or 'bgr', got "rbg"`],
    [{ fps: 0 }, 'fps must be a number > 0, got 0'],
    [{ fps: Number.NaN }, 'fps must be a number > 0, got NaN'],
    [{ startSec: -1 }, 'startSec must be a number >= 0, got -1'],
    [{ durationSec: 0 }, 'durationSec must be a number > 0, got 0'],
    [{ firstIndex: -1 }, 'firstIndex must be an integer >= 0, got -1'],
    [{ inputArgs: ['-x', 1] }, 'inputArgs must be an array of strings, got ["-x",1]'],
    [{ highWaterFrames: 0 }, 'highWaterFrames must be an integer >= 1, got 0'],
    [{ overload: 'skip' }, 'overload must be one of block, drop, got "skip"'],
    [{ decodeAheadFrames: -1 }, 'decodeAheadFrames must be an integer >= 0, got -1'],
  ])('rejects %o', (override, message) => {
    const options = { ...base, ...override } as FrameSourceOptions;
    expect(() => resolveFrameSourceOptions(options)).toThrow(UsageError);
    expect(() => resolveFrameSourceOptions(options)).toThrow(message);
  });

  it('decodes ahead within a memory budget when blocking, not at all when dropping', () => {
    const large = { ...base, width: 512, height: 512 };
    const frameBytes = 512 * 512 * 3;
    expect(resolveFrameSourceOptions(large).decodeAheadFrames).toBe(
      Math.floor(DECODE_AHEAD_BYTES / frameBytes),
    );
    expect(
      resolveFrameSourceOptions({ ...base, width: 8192, height: 8192 }).decodeAheadFrames,
    ).toBe(1);
    expect(resolveFrameSourceOptions({ ...base, overload: 'drop' }).decodeAheadFrames).toBe(0);
    expect(resolveFrameSourceOptions({ ...base, decodeAheadFrames: 3 }).decodeAheadFrames).toBe(3);
  });
});
