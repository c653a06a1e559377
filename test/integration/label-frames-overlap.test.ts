import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchEncoder } from '../../src/model/run/batch-encoder.js';
import { loadModel, type LoadedModel } from '../../src/model/load-model.js';
import { labelFrames, type FrameReader } from '../../src/pipeline/label-frames.js';
import type { Label } from '../../src/pipeline/label.js';
import { batchesInFlight } from '../../src/pipeline/window-labels.js';
import type { Frame } from '../../src/decode/frame.js';
import { saveSeedModel } from '../support/models.js';

const SIZE = 16;
const BATCH = 4;

function frame(index: number): Frame {
  const pixels = new Uint8Array(SIZE * SIZE * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (index * 29 + i * 7) % 251;
  return { index, t: index / 25, pixels };
}

/**
 * The model's own encoder, made to run "elsewhere" like one worker thread: each batch's
 * embeddings are held back until the test releases them, and the log says what happened when.
 */
function heldEncoder(model: LoadedModel, log: string[]): BatchEncoder & { release(): void } {
  const held: (() => void)[] = [];
  return {
    embeddingSize: model.encoder.embeddingSize,
    parallelism: 1,
    concurrent: true,
    encode(frames) {
      log.push(`encode ${frames.length}`);
      const embeddings = model.encoder.encode(frames);
      return new Promise((resolve) => held.push(() => resolve(embeddings)));
    },
    release() {
      log.push('released');
      held.shift()?.();
    },
  };
}

describe('labelFrames with an encoder beside this thread', () => {
  let model: LoadedModel;

  beforeAll(async () => {
    const { dir } = await saveSeedModel({ height: SIZE, width: SIZE, timeSteps: 4 });
    model = await loadModel(dir);
  });

  it('keeps one batch more than the threads in flight; one for an encoder on this thread', () => {
    expect(batchesInFlight(model.encoder)).toBe(1);
    const log: string[] = [];
    expect(batchesInFlight(heldEncoder(model, log))).toBe(2);
    expect(batchesInFlight({ ...heldEncoder(model, log), parallelism: 2 })).toBe(3);
  });

  it.each(['window', 'stateful'] as const)(
    '%s mode: with one encoder thread, reads and sends the next batch while the first encodes',
    async (mode) => {
      const log: string[] = [];
      const encoder = heldEncoder(model, log);
      const frames = Array.from({ length: 3 * BATCH }, (_, i) => frame(i));
      let next = 0;
      const reader: FrameReader = {
        read: (max) => {
          log.push(`read ${next}`);
          const batch = frames.slice(next, next + max);
          next += batch.length;
          return Promise.resolve(batch);
        },
      };
      const labels: Label[] = [];
      const run = (async () => {
        const options = { window: 4, stride: 1, batch: BATCH, cache: true, mode, encoder };
        for await (const label of labelFrames(reader, model, options)) labels.push(label);
      })();
      // Nothing is released until the second batch is on its way: a driver that waited for
      // the first batch's embeddings before reading on would never get there.
      await expect.poll(() => log.filter((e) => e.startsWith('encode')).length).toBe(2);
      expect(log).toEqual(['read 0', 'read 4', 'encode 4', 'encode 4']);
      const releases = setInterval(() => encoder.release(), 1);
      await run;
      clearInterval(releases);
      expect(labels.map((l) => l.frame)).toEqual(Array.from({ length: 9 }, (_, i) => i + 3));
    },
  );
});
