import { describe, expect, it } from 'vitest';
import { FrameSlicer } from '../../../src/decode/frame-slicer.js';

const FRAME = 7;

/** A stream of `frames` frames whose every byte is distinct (mod 256). */
function stream(frames: number, extra = 0): Uint8Array {
  return Uint8Array.from({ length: frames * FRAME + extra }, (_, i) => i % 256);
}

/** Splits `bytes` at the given offsets, into Buffers that each own their memory. */
function split(bytes: Uint8Array, cuts: number[]): Buffer[] {
  const bounds = [0, ...cuts, bytes.length];
  return bounds.slice(1).map((end, i) => Buffer.from(bytes.subarray(bounds[i], end)));
}

function sliceAll(chunks: Uint8Array[]): { frames: Uint8Array[]; dangling: number } {
  const slicer = new FrameSlicer(FRAME);
  const frames = chunks.flatMap((chunk) => slicer.push(chunk));
  return { frames, dangling: slicer.end() };
}

describe('FrameSlicer', () => {
  const bytes = stream(3);
  const expected = [0, 1, 2].map((i) => bytes.subarray(i * FRAME, (i + 1) * FRAME));

  it('cuts exact frames whatever single offset the stream is split at', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { frames, dangling } = sliceAll(split(bytes, [cut]));
      expect(frames, `cut at ${cut}`).toEqual(expected);
      expect(dangling).toBe(0);
    }
  });

  it('cuts exact frames whatever pair of offsets the stream is split at', () => {
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b++) {
        expect(sliceAll(split(bytes, [a, b])).frames, `cuts at ${a}, ${b}`).toEqual(expected);
      }
    }
  });

  it('handles one byte per chunk', () => {
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(sliceAll(split(bytes, cuts)).frames).toEqual(expected);
  });

  it('returns views into the chunk for frames inside it, with no copy', () => {
    const chunk = Buffer.from(stream(2));
    const [first, second] = new FrameSlicer(FRAME).push(chunk);
    expect(first?.buffer).toBe(chunk.buffer);
    expect(second?.buffer).toBe(chunk.buffer);
    expect(second?.byteOffset).toBe(chunk.byteOffset + FRAME);
    expect(first).not.toBeInstanceOf(Buffer);
  });

  it('copies a frame that spans chunks once, into its own buffer', () => {
    const [a, b] = split(stream(1), [3]) as [Buffer, Buffer];
    const slicer = new FrameSlicer(FRAME);
    expect(slicer.push(a)).toEqual([]);
    expect(slicer.pendingBytes).toBe(3);
    const [frame] = slicer.push(b);
    expect(frame?.buffer).not.toBe(a.buffer);
    expect(frame?.buffer).not.toBe(b.buffer);
    expect(frame?.byteLength).toBe(FRAME);
    expect(frame?.buffer.byteLength).toBe(FRAME);
  });

  it('reports a trailing partial frame at end and resets', () => {
    const slicer = new FrameSlicer(FRAME);
    expect(slicer.push(stream(2, 4))).toHaveLength(2);
    expect(slicer.end()).toBe(4);
    expect(slicer.pendingBytes).toBe(0);
    expect(slicer.end()).toBe(0);
  });

  it('ignores empty chunks', () => {
    const slicer = new FrameSlicer(FRAME);
    expect(slicer.push(new Uint8Array(0))).toEqual([]);
    expect(slicer.end()).toBe(0);
  });

  it('rejects a frame size that is not a positive integer', () => {
    expect(() => new FrameSlicer(0)).toThrow('frameBytes must be an integer >= 1, got 0');
    expect(() => new FrameSlicer(2.5)).toThrow(RangeError);
  });
});
