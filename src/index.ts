/**
 * framewise's library interface: the stages the CLI and the worker compose, for programs that
 * label video in-process.
 */
export {
  AbortError,
  BackendError,
  FfmpegError,
  FramewiseError,
  InputError,
  ModelError,
  NetworkError,
  UsageError,
  isUserError,
} from './errors.js';
export type { FramewiseErrorCode, InputErrorCode } from './errors.js';
export { DEFAULT_LABEL_OPTIONS, parseLabelOptions } from './config/label-options.js';
export type { HeadMode, LabelOptions } from './config/label-options.js';
export { useBackend } from './model/backend.js';
export type { ActiveBackend, BackendName } from './model/backend.js';
export { EmbeddingCache } from './model/embedding-cache.js';
export { FrameEncoder } from './model/frame-encoder.js';
export { KerasNormalization } from './model/keras-normalization.js';
export { normalizeKerasTopology } from './model/normalize-keras-topology.js';
export { ResetAfterGRU } from './model/reset-after-gru.js';
export { loadModel, prepareModel } from './model/load-model.js';
export type { LoadedModel } from './model/load-model.js';
export { saveModelToDirectory } from './model/model-files.js';
export { RecurrentHead, StreamState } from './model/recurrent-head.js';
export { buildSeedModel } from './model/seed-model.js';
export type { SeedModelOptions } from './model/seed-model.js';
export { emptyCounters, labelFrames } from './pipeline/label-frames.js';
export type {
  FrameReader,
  Gap,
  LabelCounters,
  LabelFramesOptions,
} from './pipeline/label-frames.js';
export { labelVideo } from './pipeline/label-video.js';
export type { Label } from './pipeline/label.js';
export { LabelSummary } from './pipeline/label-summary.js';
export type { JobSummary, SummarySegment } from './pipeline/job-summary.js';
export { slidingWindow } from './pipeline/sliding-window.js';
export { JsonlSink, formatLabelJson } from './sink/jsonl-sink.js';
export type { LabelSink } from './sink/label-sink.js';
export { PrettySink } from './sink/pretty-sink.js';
export { findFfmpeg } from './source/find-ffmpeg.js';
export type { FfmpegBinary } from './source/find-ffmpeg.js';
export type { Frame } from './source/frame.js';
export { FrameSource } from './source/frame-source.js';
export type { FrameSourceOptions, OverloadPolicy } from './source/frame-source-options.js';
export { LiveFrameSource } from './source/live-frame-source.js';
export type { LiveOptions } from './source/live-frame-source.js';
export type { SourceInfo } from './source/source-info.js';
