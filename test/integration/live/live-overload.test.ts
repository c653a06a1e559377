import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_OPTIONS } from '../../../src/options/label-options.js';
import { useBackend } from '../../../src/model/run/backend.js';
import { EncoderPool } from '../../../src/model/run/encoder-pool.js';
import { loadModel, type LoadedModel } from '../../../src/model/load-model.js';
import { emptyCounters, type LabelCounters } from '../../../src/pipeline/label-frames.js';
import { labelVideo } from '../../../src/pipeline/label-video.js';
import { batchesInFlight } from '../../../src/pipeline/window-labels.js';
import type { OverloadPolicy } from '../../../src/decode/frame-source-options.js';
import { LiveStreamServer } from '../../support/live-stream-server.js';
import { saveSeedModel } from '../../support/models.js';

/** Stream time each run labels, in seconds. */
const STREAM_SEC = 16;
/** The last stretch whose latency is compared, in seconds of stream time. */
const TAIL_SEC = 4;

interface Run {
  readonly counters: LabelCounters;
  /** Latency of the labels in the last {@link TAIL_SEC} seconds, in milliseconds. */
  readonly tail: number[];
  /** The last frame labeled. */
  readonly last: number;
}

/** Frames per second the stream sends. */
const STREAM_FPS = 30;
/** The model must encode at most this many frames per second, well below the stream's rate. */
const MAX_MODEL_FPS = 18;
/** Model input sides tried, smallest first, until one is slow enough on this machine. */
const SIDES = [160, 224, 288, 352];

/** Seconds the encoder takes for one batch of the default size (after a warm-up). */
async function batchSeconds(encoder: EncoderPool, side: number): Promise<number> {
  const frames = Array.from({ length: DEFAULT_LABEL_OPTIONS.batch }, (_, i) =>
    new Uint8Array(side * side * 3).fill(i * 7),
  );
  await encoder.encode(frames);
  const started = performance.now();
  await encoder.encode(frames);
  return (performance.now() - started) / 1000;
}

describe('a live stream faster than the model can label (encoder slowed on purpose)', () => {
  // The seed model on one encoder thread (the default) with the pure-JS cpu backend, at the
  // smallest input side that encodes at most MAX_MODEL_FPS here: machines of this kind differ
  // twofold in speed, and at a fixed side a fast one keeps up with the stream (160×160 ran 32
  // frames/s on one).
  const server = new LiveStreamServer({ fps: STREAM_FPS, size: '320x240' });
  let model: LoadedModel;
  let encoder: EncoderPool;
  let batchMs = 0;

  beforeAll(async () => {
    await useBackend('cpu');
    await server.start();
    for (const side of SIDES) {
      const { dir } = await saveSeedModel({ height: side, width: side });
      model = await loadModel(dir);
      encoder = await EncoderPool.start({ location: dir, threads: 1, backend: 'cpu' });
      const seconds = await batchSeconds(encoder, side);
      batchMs = seconds * 1000;
      if (DEFAULT_LABEL_OPTIONS.batch / seconds <= MAX_MODEL_FPS || side === SIDES.at(-1)) break;
      await encoder.close();
      model.dispose();
    }
  });

  afterAll(async () => {
    await server.stop();
    await encoder.close();
    model.dispose();
  });

  async function run(overload: OverloadPolicy | undefined): Promise<Run> {
    const counters = emptyCounters();
    const latencies: Array<[number, number]> = [];
    let last = -1;
    const labels = labelVideo(
      server.url,
      model,
      { ...DEFAULT_LABEL_OPTIONS, mode: 'stateful', ...(overload ? { overload } : {}) },
      { live: {}, counters, encoder },
    );
    for await (const label of labels) {
      latencies.push([label.t, label.latencyMs!]);
      last = label.frame;
      if (label.t >= STREAM_SEC) break;
    }
    const tail = latencies.filter(([t]) => t >= STREAM_SEC - TAIL_SEC).map(([, ms]) => ms);
    return { counters, tail, last };
  }

  it(
    'drops frames by default, counts them, and stays near live; blocking falls further behind',
    { timeout: 120_000 },
    async () => {
      const dropping = await run(undefined);
      const blocking = await run('block');
      const worst = (r: Run) => Math.max(...r.tail);
      console.log(
        `overload, last ${TAIL_SEC} s: drop ${dropping.counters.dropped} frames dropped, worst latency ` +
          `${worst(dropping).toFixed(0)} ms; block ${blocking.counters.dropped} dropped, worst ` +
          `${worst(blocking).toFixed(0)} ms; model batch ${batchMs.toFixed(0)} ms`,
      );
      // A third or more of the frames cannot be labeled in time: they are dropped and counted.
      expect(dropping.counters.dropped).toBeGreaterThan(STREAM_SEC * STREAM_FPS * 0.1);
      // Every frame up to the last one labeled was labeled or counted as dropped (frames are
      // numbered as ffmpeg decodes them); beyond it, at most the batches in flight were read
      // (one per encoder thread, plus the one read while they encode).
      const seen = dropping.counters.frames + dropping.counters.dropped;
      const inFlight = DEFAULT_LABEL_OPTIONS.batch * batchesInFlight(encoder);
      expect(seen).toBeGreaterThanOrEqual(dropping.last + 1);
      expect(seen).toBeLessThanOrEqual(dropping.last + 1 + inFlight);
      // Bounded: one batch waiting plus the batch being labeled, with room for the head, the
      // decoder and a noisy machine.
      expect(worst(dropping)).toBeLessThan(Math.max(3000, 5 * batchMs));
      // Blocking loses nothing, so its labels lag the stream more and more.
      expect(blocking.counters.dropped).toBe(0);
      expect(Math.min(...blocking.tail)).toBeGreaterThan(worst(dropping));
    },
  );
});
