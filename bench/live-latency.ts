import { DEFAULT_LABEL_OPTIONS } from '../src/options/label-options.js';
import type { BatchEncoder } from '../src/model/run/batch-encoder.js';
import type { LoadedModel } from '../src/model/load-model.js';
import { emptyCounters } from '../src/pipeline/label-frames.js';
import { labelVideo } from '../src/pipeline/label-video.js';
import { LiveStreamServer } from '../test/support/live-stream-server.js';

/** Capture-to-label latency of a live stream, in milliseconds, after warm-up. */
export interface LiveLatency {
  readonly labels: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly dropped: number;
}

/** Stream time before latencies count: connection, probing, first batches. */
const WARM_UP_SEC = 5;

/**
 * Labels a live MPEG-TS stream at `fps` from a local camera stand-in for `seconds` of stream
 * time, in stateful mode (one label per frame), with `encoder` (threads) or the model's own,
 * and returns the latency percentiles.
 */
export async function liveLatency(
  model: LoadedModel,
  encoder: BatchEncoder | undefined,
  fps: number,
  seconds: number,
): Promise<LiveLatency> {
  const server = new LiveStreamServer({ fps, size: '640x360', source: 'testsrc2' });
  await server.start();
  const counters = emptyCounters();
  const latencies: number[] = [];
  try {
    const labels = labelVideo(
      server.url,
      model,
      { ...DEFAULT_LABEL_OPTIONS, mode: 'stateful' },
      { live: {}, counters, ...(encoder === undefined ? {} : { encoder }) },
    );
    for await (const label of labels) {
      if (label.t >= WARM_UP_SEC) latencies.push(label.latencyMs!);
      if (label.t >= WARM_UP_SEC + seconds) break;
    }
  } finally {
    await server.stop();
  }
  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return {
    labels: latencies.length,
    p50: at(0.5),
    p95: at(0.95),
    max: latencies[latencies.length - 1]!,
    dropped: counters.dropped,
  };
}
