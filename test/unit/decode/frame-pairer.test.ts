import { describe, expect, it } from 'vitest';
import { FramePairer } from '../../../src/decode/frame-pairer.js';

const px = (value: number): Uint8Array => Uint8Array.of(value);

describe('FramePairer', () => {
  it('emits a frame when both its pixels and its timestamp are in, whichever came first', () => {
    const pairer = new FramePairer();
    expect(pairer.pushPixels(px(0))).toBeUndefined();
    expect(pairer.pushPixels(px(1))).toBeUndefined();
    expect(pairer.unpairedPixels).toBe(2);
    expect(pairer.pushTimestamp({ n: 0, pts: undefined, ptsTime: 0 })).toEqual({
      index: 0,
      t: 0,
      pixels: px(0),
    });
    expect(pairer.pushTimestamp({ n: 1, pts: undefined, ptsTime: 0.04 })).toEqual({
      index: 1,
      t: 0.04,
      pixels: px(1),
    });
    expect(pairer.pushTimestamp({ n: 2, pts: undefined, ptsTime: 0.08 })).toBeUndefined();
    expect(pairer.pushPixels(px(2))).toEqual({ index: 2, t: 0.08, pixels: px(2) });
    expect(pairer.unpairedPixels).toBe(0);
  });

  it('adds the seek offset and prefers pts × time base over the 6-digit pts_time', () => {
    const pairer = new FramePairer(7200);
    pairer.setTimeBase({ num: 1, den: 90_000 });
    pairer.pushPixels(px(0));
    // 10,000.04 s into a stream: pts_time prints as 10000 (6 significant digits).
    const frame = pairer.pushTimestamp({ n: 0, pts: 900_003_600, ptsTime: 10000 });
    expect(frame?.t).toBeCloseTo(7200 + 10000.04, 9);
  });

  it('drops timestamps of frames that never reached stdout', () => {
    const pairer = new FramePairer();
    pairer.pushTimestamp({ n: 0, pts: undefined, ptsTime: 0 });
    pairer.pushPixels(px(0));
    pairer.pushPixels(px(1));
    pairer.pushTimestamp({ n: 0, pts: undefined, ptsTime: 9 }); // a stale repeat of n = 0
    expect(pairer.pushTimestamp({ n: 1, pts: undefined, ptsTime: 0.5 })?.t).toBe(0.5);
  });

  it('steps a frame without timestamp by the frame interval', () => {
    const pairer = new FramePairer();
    pairer.setFrameRate(10);
    pairer.pushPixels(px(0));
    pairer.pushPixels(px(1));
    expect(pairer.pushTimestamp({ n: 0, pts: undefined, ptsTime: undefined })?.t).toBe(0);
    expect(pairer.pushTimestamp({ n: 1, pts: undefined, ptsTime: undefined })?.t).toBeCloseTo(
      0.1,
      12,
    );
  });
});
