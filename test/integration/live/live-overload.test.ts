import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_OPTIONS } from '../../../src/config/label-options.js';
import { useBackend } from '../../../src/model/backend.js';
import { loadModel, type LoadedModel } from '../../../src/model/load-model.js';
import { emptyCounters, type LabelCounters } from '../../../src/pipeline/label-frames.js';
import { labelVideo } from '../../../src/pipeline/label-video.js';
import type { OverloadPolicy } from '../../../src/source/frame-source-options.js';
import { LiveStreamServer } from '../../../src/synth/live-stream-server.js';
import { saveSeedModel } from '../../helpers/models.js';

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

describe('a live stream faster than the model can label (encoder slowed on purpose)', () => {
  // 30 frames/s in; the seed model at 160×160 on the pure-JS cpu backend labels about 20.
  const server = new LiveStreamServer({ fps: 30, size: '320x240' });
  let model: LoadedModel;

  beforeAll(async () => {
    await useBackend('cpu');
    await server.start();
    const { dir } = await saveSeedModel({ height: 160, width: 160 });
    model = await loadModel(dir);
  });

  afterAll(async () => {
    await server.stop();
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
      { live: {}, counters },
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
          `${worst(blocking).toFixed(0)} ms`,
      );
      // About a third of the frames cannot be labeled in time: they are dropped and counted.
      expect(dropping.counters.dropped).toBeGreaterThan(STREAM_SEC * 30 * 0.1);
      // Every frame up to the last one labeled was labeled or counted as dropped (frames are
      // numbered as ffmpeg decodes them); beyond it, at most the rest of the last batch was read.
      const seen = dropping.counters.frames + dropping.counters.dropped;
      expect(seen).toBeGreaterThanOrEqual(dropping.last + 1);
      expect(seen).toBeLessThanOrEqual(dropping.last + 1 + DEFAULT_LABEL_OPTIONS.batch);
      // Bounded: one batch waiting (16 frames, about 0.5 s) plus the batch being labeled.
      expect(worst(dropping)).toBeLessThan(3000);
      // Blocking loses nothing, so its labels lag the stream more and more.
      expect(blocking.counters.dropped).toBe(0);
      expect(Math.min(...blocking.tail)).toBeGreaterThan(worst(dropping));
    },
  );
});
