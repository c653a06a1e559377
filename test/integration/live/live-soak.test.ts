import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_OPTIONS } from '../../../src/options/label-options.js';
import { useBackend } from '../../../src/model/run/backend.js';
import { loadModel, type LoadedModel } from '../../../src/model/load-model.js';
import { emptyCounters } from '../../../src/pipeline/label-frames.js';
import { labelVideo } from '../../../src/pipeline/label-video.js';
import { LiveStreamServer } from '../../support/live-stream-server.js';
import { saveSeedModel } from '../../support/models.js';

/** Stream time labeled, in seconds: long enough for a leak to show. */
const STREAM_SEC = 60;
/** Warm-up excluded from the figures: first connection, probing, the first batches. */
const WARM_UP_SEC = 10;
/** RSS may wobble by this much after warm-up (GC timing), in bytes; a leak grows past it. */
const RSS_SLACK = 40 * 1024 * 1024;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('a 30 fps live stream labeled for 60 s of stream time (stateful, seed model 99×99)', () => {
  const server = new LiveStreamServer({ fps: 30, size: '320x240' });
  let model: LoadedModel;

  beforeAll(async () => {
    await useBackend('auto');
    await server.start();
    const { dir } = await saveSeedModel({});
    model = await loadModel(dir);
  });

  afterAll(async () => {
    await server.stop();
    model.dispose();
  });

  it(
    'keeps up in real time: latency reported, RSS and tensor count flat',
    { timeout: 150_000 },
    async () => {
      const counters = emptyCounters();
      const latencies: number[] = [];
      let warm: { rss: number; tensors: number } | undefined;
      let mostTensors = 0;
      let end: { rss: number; tensors: number } | undefined;
      const labels = labelVideo(
        server.url,
        model,
        { ...DEFAULT_LABEL_OPTIONS, mode: 'stateful' },
        { live: {}, counters },
      );
      for await (const label of labels) {
        if (label.t < WARM_UP_SEC) continue;
        warm ??= { rss: process.memoryUsage().rss, tensors: tf.memory().numTensors };
        mostTensors = Math.max(mostTensors, tf.memory().numTensors);
        latencies.push(label.latencyMs!);
        if (label.t >= STREAM_SEC) {
          end = { rss: process.memoryUsage().rss, tensors: tf.memory().numTensors };
          break;
        }
      }
      // Leaving the loop ended the run: its recurrent state is disposed too.
      expect(tf.memory().numTensors).toBeLessThan(end!.tensors);
      const p50 = percentile(latencies, 50);
      const p95 = percentile(latencies, 95);
      console.log(
        `live ${STREAM_SEC} s at 30 fps: ${latencies.length} labels, latency p50 ${p50.toFixed(1)} ms, ` +
          `p95 ${p95.toFixed(1)} ms; RSS ${mib(warm!.rss)} → ${mib(end!.rss)} MiB; ` +
          `tensors ${warm!.tensors} → ${end!.tensors}; dropped ${counters.dropped}`,
      );
      // One label per frame from warm-up to the end: the stream was read at its own pace.
      expect(latencies.length).toBeGreaterThan((STREAM_SEC - WARM_UP_SEC) * 30 * 0.9);
      expect(end!.tensors).toBe(warm!.tensors);
      expect(mostTensors).toBe(warm!.tensors);
      expect(end!.rss - warm!.rss).toBeLessThan(RSS_SLACK);
      // Far faster than the stream, the model never lags it by more than a few frames' worth.
      expect(p95).toBeLessThan(1000);
      expect(counters.gaps).toBe(0);
    },
  );
});

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
