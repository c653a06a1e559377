import type { FrameSource } from '../../src/decode/frame-source.js';

/**
 * Reads a source to its end or its error, then closes it: how many frames came, and the error
 * (undefined at a clean end). Bounded: a source still giving frames after `maxReads` reads is
 * an error too, so a source that never ends fails the test instead of hanging it.
 */
export async function readAll(
  source: FrameSource,
  maxReads = 1000,
): Promise<{ frames: number; error: unknown }> {
  let frames = 0;
  try {
    for (let reads = 0; reads < maxReads; reads++) {
      const batch = await source.read(64);
      if (batch.length === 0) return { frames, error: undefined };
      frames += batch.length;
    }
    return { frames, error: new Error(`still reading after ${maxReads} reads`) };
  } catch (error) {
    return { frames, error };
  } finally {
    await source.close();
  }
}
