import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { EncoderPool } from '../../src/model/run/encoder-pool.js';
import { loadModel, type LoadedModel } from '../../src/model/load-model.js';
import { saveSeedModel } from '../support/models.js';

const SIZE = 32;

/** Seeded frames, all different. */
function frames(count: number, seed: number): Uint8Array[] {
  return Array.from({ length: count }, (_, f) =>
    Uint8Array.from({ length: SIZE * SIZE * 3 }, (_, i) => (seed * 31 + f * 17 + i * 7) % 256),
  );
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThan(1e-4);
}

/** Ends the current worker of one of the pool's threads, as a crash in it would. */
async function killThread(pool: EncoderPool, index: number): Promise<void> {
  const { threads } = pool as unknown as { threads: { worker: Worker }[] };
  await threads[index]!.worker.terminate();
}

describe('EncoderPool (the CNN on worker threads)', () => {
  let dir: string;
  let model: LoadedModel;

  beforeAll(async () => {
    ({ dir } = await saveSeedModel({ height: SIZE, width: SIZE }));
    // The reference: the model's own (folded) encoder on this thread, on the cpu backend.
    model = await loadModel(dir);
  });

  afterAll(() => model.dispose());

  it('gives the embeddings of the model’s own encoder, with two threads at once', async () => {
    const pool = await EncoderPool.start({ location: dir, threads: 2 });
    try {
      expect(pool.parallelism).toBe(2);
      expect(pool.embeddingSize).toBe(model.encoder.embeddingSize);
      const batches = [frames(16, 1), frames(16, 2), frames(5, 3)];
      const results = await Promise.all(batches.map((b) => pool.encode(b)));
      results.forEach((result, i) => expectClose(result, model.encoder.encode(batches[i]!)));
    } finally {
      await pool.close();
    }
  });

  it('merges requests that wait together into one batch, and splits the result back', async () => {
    const pool = await EncoderPool.start({ location: dir, threads: 1, maxBatchFrames: 32 });
    try {
      const requests = [frames(8, 4), frames(8, 5), frames(8, 6), frames(8, 7)];
      const results = await Promise.all(requests.map((r) => pool.encode(r)));
      // The first goes at once; the other three, queued meanwhile, go as one batch of 24.
      expect(pool.batches).toBe(2);
      results.forEach((result, i) => expectClose(result, model.encoder.encode(requests[i]!)));
    } finally {
      await pool.close();
    }
  });

  it('leaves the main thread’s tensors alone', async () => {
    const before = tf.memory().numTensors;
    const pool = await EncoderPool.start({ location: dir, threads: 1 });
    for (let i = 0; i < 5; i++) await pool.encode(frames(16, i));
    await pool.close();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a model it cannot load, naming it, and leaves no thread behind', async () => {
    await expect(EncoderPool.start({ location: '/nonexistent/model', threads: 2 })).rejects.toThrow(
      ModelError,
    );
    await expect(EncoderPool.start({ location: '/nonexistent/model' })).rejects.toThrow(
      /nonexistent/,
    );
  });

  it('close() rejects what waits and every later request', async () => {
    const pool = await EncoderPool.start({ location: dir, threads: 1 });
    const first = expect(pool.encode(frames(16, 8))).rejects.toThrow(/closed/);
    const waiting = expect(pool.encode(frames(16, 9))).rejects.toThrow(/closed/);
    const closing = pool.close();
    expect(pool.close()).toBe(closing);
    await closing;
    await first;
    await waiting;
    await expect(pool.encode(frames(1, 10))).rejects.toThrow(/closed/);
  });

  it('a thread that dies fails only the batch it held; a new thread serves what comes next', async () => {
    const pool = await EncoderPool.start({ location: dir, threads: 1, maxBatchFrames: 2048 });
    try {
      // Sent at once; the thread is stopped before it can reply. The batch is large: one of 32
      // frames was once encoded and answered before the termination took effect.
      const held = pool.encode(frames(2048, 11));
      await killThread(pool, 0);
      await expect(held).rejects.toThrow(
        /an encoder thread exited with code 1; its batch was lost/,
      );
      expect(pool.restarts).toBe(1);
      // Asked while the replacement loads the model: it waits for it, then is encoded right.
      const next = frames(8, 12);
      expectClose(await pool.encode(next), model.encoder.encode(next));
    } finally {
      await pool.close();
    }
  });

  it('gives up after three restarts within a minute, saying what to do', async () => {
    const deaths: boolean[] = [];
    const pool = await EncoderPool.start({
      location: dir,
      threads: 1,
      onThreadDeath: (_message, replaced) => deaths.push(replaced),
    });
    try {
      for (let death = 0; death < 4; death++) await killThread(pool, 0);
      expect(pool.restarts).toBe(3);
      expect(deaths).toEqual([true, true, true, false]);
      await expect(pool.encode(frames(4, 13))).rejects.toThrow(
        /4th death within 60 s; restart the process/,
      );
    } finally {
      await pool.close();
    }
  });
});
