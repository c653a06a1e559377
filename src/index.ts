/**
 * framewise's library interface: the entry point of each stage a frame passes through, for
 * programs that label video in-process, and every error class. Stages in data-flow order.
 */

// Errors: every class, with its stable code.
export {
  AbortError,
  BackendError,
  EncoderError,
  FfmpegError,
  FramewiseError,
  InputError,
  ModelError,
  NetworkError,
  RedisUnavailableError,
  UrlRefusedError,
  UsageError,
  isUserError,
} from './errors.js';
export type { FramewiseErrorCode, FramewiseErrorOptions, InputErrorCode } from './errors.js';

// policy: which inputs may be opened.
export { checkInput } from './policy/url-policy.js';
export type { CheckedInput, UrlPolicy } from './policy/url-policy.js';

// decode: ffmpeg, file and live frame sources.
export { findFfmpeg } from './decode/find-ffmpeg.js';
export type { FfmpegBinary } from './decode/find-ffmpeg.js';
export type { Frame } from './decode/frame.js';
export { FrameSource } from './decode/frame-source.js';
export type { FrameSourceOptions, OverloadPolicy } from './decode/frame-source-options.js';
export { LiveFrameSource } from './decode/live-frame-source.js';
export type { LiveOptions } from './decode/live-frame-source.js';
export type { SourceInfo } from './decode/source-info.js';

// model: load, rewrite for inference, run.
export { loadModel, prepareModel } from './model/load-model.js';
export type { LoadedModel } from './model/load-model.js';
export { openModel } from './model/open-model.js';
export type { OpenedModel } from './model/open-model.js';
export { loadOnnxModel } from './model/load-onnx-model.js';
export type { OnnxModel } from './model/load-onnx-model.js';
export { startOnnxEncoder } from './model/onnx-engine.js';
export type { RunnableModel, ModelShape } from './model/runnable-model.js';
export type { Head, HeadState } from './model/run/head.js';
export type { OnnxEncoder } from './model/run/onnx-encoder.js';
export type { OnnxHead } from './model/run/onnx-head.js';
export type { SessionOptions } from './model/run/onnx-runtime.js';
export { saveModelToDirectory } from './model/load/model-files.js';
export { saveOnnxModel } from './model/save-onnx-model.js';
export type { SavedOnnxModel } from './model/save-onnx-model.js';
export { useBackend } from './model/run/backend.js';
export type { ActiveBackend, BackendName } from './model/run/backend.js';
export { EncoderPool } from './model/run/encoder-pool.js';
export type { EncoderPoolOptions } from './model/run/encoder-pool.js';
export type { BatchEncoder } from './model/run/batch-encoder.js';
export type { FrameEncoder } from './model/run/frame-encoder.js';
export type { RecurrentHead, StreamState } from './model/run/recurrent-head.js';

// options: the checked options of a labeling run.
export { DEFAULT_LABEL_OPTIONS, parseLabelOptions } from './options/label-options.js';
export type { HeadMode, LabelOptions } from './options/label-options.js';
export type { LiveSettings } from './options/live-options.js';

// pipeline: windows and the labeling driver.
export { emptyCounters, labelFrames } from './pipeline/label-frames.js';
export type {
  FrameReader,
  Gap,
  LabelCounters,
  LabelFramesOptions,
} from './pipeline/label-frames.js';
export { labelVideo } from './pipeline/label-video.js';
export type { LabelVideoControls } from './pipeline/label-video.js';
export type { Label } from './pipeline/label.js';
export { slidingWindow } from './pipeline/sliding-window.js';

// output: where labels go, and what a run adds up to.
export { JsonlSink, formatLabelJson } from './output/jsonl-sink.js';
export type { LabelSink } from './output/label-sink.js';
export { PrettySink } from './output/pretty-sink.js';
export { RedisStreamSink } from './output/redis-stream-sink.js';
export type { RedisStreamSinkOptions } from './output/redis-stream-sink.js';
export { LabelSummary } from './output/label-summary.js';
export type { JobSummary, SummarySegment } from './output/job-summary.js';

// metrics: Prometheus metrics and the health server of a worker.
export { MetricsServer } from './metrics/metrics-server.js';
export type { MetricsServerOptions } from './metrics/metrics-server.js';
export { Readiness } from './metrics/readiness.js';
export { WorkerMetrics } from './metrics/worker-metrics.js';

// queue: jobs on Redis.
export { QUEUE_NAME, labelsKey } from './queue/queue-keys.js';
export { VideoWorker } from './queue/video-worker.js';
export type { VideoWorkerOptions } from './queue/video-worker-options.js';
export { parseVideoJob, videoJobData, videoJobJsonSchema } from './queue/video-job.js';
export type { VideoJob, VideoJobData } from './queue/video-job.js';

// train: training on annotated clips and scoring event detection.
export { LABELS_CSV, parseAnnotations, readAnnotations } from './train/annotations.js';
export type { Annotations, Segment } from './train/annotations.js';
export { buildSeedModel } from './train/seed-model.js';
export type { SeedModelOptions } from './train/seed-model.js';
export { trainOnDataset } from './train/train-dataset.js';
export type { TrainReport, TrainSettings } from './train/train-dataset.js';
export type { TrainingHooks, TrainingWindows } from './train/training-hooks.js';
export type { WindowExamples } from './train/window-examples.js';
export { matchEvents, eventsFromLabels } from './train/match-events.js';
export type { DetectedEvent, EventMatch, EventScores } from './train/match-events.js';
export { suppressCloseEvents } from './train/suppress-close-events.js';
