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
export { DEFAULT_LABEL_OPTIONS, parseLabelOptions } from './options/label-options.js';
export type { HeadMode, LabelOptions } from './options/label-options.js';
export { useBackend } from './model/run/backend.js';
export type { ActiveBackend, BackendName } from './model/run/backend.js';
export { EmbeddingCache } from './pipeline/embedding-cache.js';
export { FrameEncoder } from './model/run/frame-encoder.js';
export { KerasNormalization } from './model/load/keras-normalization.js';
export { normalizeKerasTopology } from './model/load/normalize-keras-topology.js';
export { ResetAfterGRU } from './model/load/reset-after-gru.js';
export { loadModel, prepareModel } from './model/load-model.js';
export type { LoadedModel } from './model/load-model.js';
export { saveModelToDirectory } from './model/load/model-files.js';
export { RecurrentHead, StreamState } from './model/run/recurrent-head.js';
export { buildSeedModel } from './train/seed-model.js';
export type { SeedModelOptions } from './train/seed-model.js';
export { emptyCounters, labelFrames } from './pipeline/label-frames.js';
export type {
  FrameReader,
  Gap,
  LabelCounters,
  LabelFramesOptions,
} from './pipeline/label-frames.js';
export { labelVideo } from './pipeline/label-video.js';
export type { Label } from './pipeline/label.js';
export { LabelSummary } from './output/label-summary.js';
export type { JobSummary, SummarySegment } from './output/job-summary.js';
export { slidingWindow } from './pipeline/sliding-window.js';
export { JsonlSink, formatLabelJson } from './output/jsonl-sink.js';
export type { LabelSink } from './output/label-sink.js';
export { PrettySink } from './output/pretty-sink.js';
export { findFfmpeg } from './decode/find-ffmpeg.js';
export type { FfmpegBinary } from './decode/find-ffmpeg.js';
export type { Frame } from './decode/frame.js';
export { FrameSource } from './decode/frame-source.js';
export type { FrameSourceOptions, OverloadPolicy } from './decode/frame-source-options.js';
export { LiveFrameSource } from './decode/live-frame-source.js';
export type { LiveOptions } from './decode/live-frame-source.js';
export type { SourceInfo } from './decode/source-info.js';
