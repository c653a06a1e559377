import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LabelOptions } from '../options/label-options.js';
import type { LiveSettings } from '../options/live-options.js';
import type { JobMetrics } from '../metrics/job-metrics.js';
import type { BatchEncoder } from '../model/run/batch-encoder.js';
import type { RunnableModel } from '../model/runnable-model.js';
import type { JobSummary } from '../output/job-summary.js';
import { emptyCounters, type Gap, type LabelCounters } from '../pipeline/label-frames.js';
import { LabelSummary } from '../output/label-summary.js';
import { labelVideo, type LabelVideoControls } from '../pipeline/label-video.js';
import { CheckpointStore, type Checkpoint } from './checkpoint-store.js';
import type { ResumePoint } from '../pipeline/resume-point.js';
import { ProgressThrottle, type JobProgress } from './job-progress.js';
import { labelsKey } from './queue-keys.js';
import { readLabels } from '../output/read-labels.js';
import { RedisStreamSink } from '../output/redis-stream-sink.js';

/** What one attempt at a job needs. */
export interface VideoJobRun {
  readonly jobId: string;
  readonly prefix: string;
  readonly redis: Redis;
  readonly model: RunnableModel;
  /**
   * Encodes frames instead of the model's own encoder (the worker's encoder threads).
   * @defaultValue the model's encoder, on this thread
   */
  readonly encoder?: BatchEncoder;
  /** The checked ffmpeg input and its input options. */
  readonly input: string;
  readonly inputArgs: readonly string[];
  readonly options: LabelOptions;
  /** Limits on the input (see `LabelVideoControls.limits`). @defaultValue the defaults */
  readonly limits?: LabelVideoControls['limits'];
  /** A live stream's settings: reconnected until cancelled; outages become gap markers. */
  readonly live?: LiveSettings;
  readonly signal?: AbortSignal;
  /** How long the stream and checkpoint outlive the job, in seconds. */
  readonly labelsTtlSec: number;
  /** How often the position is saved, in milliseconds. */
  readonly checkpointIntervalMs: number;
  readonly logger: Logger;
  readonly reportProgress: (progress: JobProgress) => Promise<void>;
  /**
   * Where the run reports frames, labels, cache hits, drops, restarts, batch times and
   * latencies as they happen.
   * @defaultValue none: nothing is reported
   */
  readonly metrics?: JobMetrics;
  /**
   * A part of a split file: it starts at frame `from` (at `fromT` s) unless its checkpoint
   * says further, and stops after frame `to`.
   * @defaultValue the whole input
   */
  readonly part?: { readonly from: number; readonly fromT: number; readonly to?: number };
}

/**
 * Runs one attempt at a job: resumes from its checkpoint if an earlier attempt left one (its
 * labels already in the stream are replayed into the summary, not written again), labels the
 * rest into the stream, saves the position every few seconds and when stopped, and returns the
 * summary of the whole job.
 */
export async function runVideoJob(run: VideoJobRun): Promise<JobSummary> {
  const key = labelsKey(run.prefix, run.jobId);
  const checkpoints = new CheckpointStore(run.redis, run.prefix, run.labelsTtlSec);
  const saved = await checkpoints.load(run.jobId);
  const summary = new LabelSummary();
  let lastFrame = -1;
  if (saved !== undefined) {
    for await (const label of readLabels(run.redis, key)) {
      summary.add(label);
      lastFrame = label.frame;
    }
    run.logger.info(
      { resumeFrame: saved.resume.frame, lastLabel: lastFrame },
      'resuming from a checkpoint',
    );
  }
  // A part starts where its plan says, as a run resumed there would.
  const start: ResumePoint | undefined =
    saved?.resume ??
    (run.part === undefined ? undefined : { frame: run.part.from, t: run.part.fromT });
  // Frames are numbered from 0: the resume frame's index is the count of frames before it.
  const counters: LabelCounters = { ...emptyCounters(), frames: start?.frame ?? 0 };
  // Counters are totals; metrics take increments: remember what they were told.
  let reported = { ...counters };
  const reportCounters = () => {
    run.metrics?.framesDecoded(counters.frames - reported.frames);
    run.metrics?.cacheHits(counters.cacheHits - reported.cacheHits);
    run.metrics?.droppedFrames(counters.dropped - reported.dropped);
    reported = { ...counters };
  };
  const sink = new RedisStreamSink(run.redis, key);
  const live = run.live !== undefined;
  if (saved !== undefined && live) {
    // A live stream went on while no worker read it: one gap marker for the whole outage.
    const at = resumeFrom(saved, true, lastFrame);
    await sink.writeGap({ frame: at.frame, t: saved.resume.t, gap: at.t - saved.resume.t });
  }
  const progress = new ProgressThrottle(run.reportProgress);
  const save = async () => {
    if (counters.resumePoint === undefined) return;
    const resume = counters.resumePoint;
    await sink.flush();
    await checkpoints.save(run.jobId, { resume, savedAt: Date.now() });
  };
  const started = performance.now();
  let lastSave = performance.now();
  let t = 0;
  try {
    const labels = labelVideo(run.input, run.model, run.options, {
      counters,
      inputArgs: run.inputArgs,
      ...(run.limits === undefined ? {} : { limits: run.limits }),
      onEncoderBatch: (seconds: number) => run.metrics?.encoderBatch(seconds),
      ...(run.encoder === undefined ? {} : { encoder: run.encoder }),
      ...(run.signal === undefined ? {} : { signal: run.signal }),
      ...(saved !== undefined
        ? { resume: resumeFrom(saved, live, lastFrame) }
        : start !== undefined
          ? { resume: start, expectFrame: start }
          : {}),
      ...(run.part?.to === undefined ? {} : { lastFrame: run.part.to }),
      ...(run.live !== undefined
        ? {
            keepStateOverGaps: run.live.keepStateOverGaps === true,
            live: {
              ...run.live,
              onReconnect: (attempt: number, reason: string) => {
                run.metrics?.ffmpegRestarts(1);
                run.logger.warn({ attempt, reason }, 'live source stopped: reconnecting');
              },
            },
            onGap: (gap: Gap) => {
              run.logger.warn({ ...gap }, 'live source outage');
              void sink.writeGap(gap).catch(() => undefined);
            },
          }
        : {}),
    });
    for await (const label of labels) {
      // A resumed run relabels the window it stopped in: the stream has that label already.
      if (label.frame <= lastFrame) continue;
      await sink.write(label);
      run.metrics?.labelsWritten(1);
      if (label.latencyMs !== undefined) run.metrics?.latency(label.latencyMs / 1000);
      reportCounters();
      summary.add(label);
      lastFrame = label.frame;
      t = label.t;
      await progress.update(counters, summary.windows, t);
      if (performance.now() - lastSave >= run.checkpointIntervalMs) {
        lastSave = performance.now();
        await save();
      }
    }
    await sink.close();
    await progress.flush(counters, summary.windows, t);
  } catch (error) {
    // Stopped (shutdown, crash of ffmpeg, Redis hiccup): keep the position for the next attempt.
    await save().catch(() => undefined);
    throw error;
  } finally {
    // A failed attempt's frames count too; cache hits are only totalled when the run ends.
    reportCounters();
    // The stream outlives the job by the TTL, whatever the outcome; a retry renews it.
    await run.redis.expire(key, run.labelsTtlSec).catch(() => undefined);
  }
  await checkpoints.remove(run.jobId);
  return summary.finish({ frames: counters.frames, seconds: (performance.now() - started) / 1000 });
}

/**
 * Where to pick up: a file seeks back to the checkpoint; a live stream cannot seek, so it
 * continues from now, numbering frames after everything already labeled, its clock moved on
 * by the outage.
 */
function resumeFrom(saved: Checkpoint, live: boolean, lastLabel: number): ResumePoint {
  if (!live) return saved.resume;
  return {
    ...saved.resume,
    frame: Math.max(saved.resume.frame, lastLabel),
    t: saved.resume.t + (Date.now() - saved.savedAt) / 1000,
  };
}
