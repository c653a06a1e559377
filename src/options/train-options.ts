import { JOB_LABEL_OPTIONS } from './label-options.js';
import { MAX_WINDOW } from './label-options.js';
import { flag, integer, number, text } from './option.js';

/** A folder of videos and their annotations: what `train` learns from and `evaluate` scores. */
export const DATA_OPTION = {
  data: text('data', {
    valueName: '<dir>',
    help: 'videos and labels.csv (video,start,end,label)',
    defaultText: 'required',
  }),
};

/** How `framewise train` builds and fits a model. */
export const TRAIN_OPTIONS = {
  out: text('out', {
    valueName: '<dir>',
    help: 'where to write model.json, weights and framewise.json',
    defaultText: 'required',
  }),
  init: text('init', {
    valueName: '<dir|URL>',
    help: 'fine-tune this model',
    defaultText: 'a new seed-architecture model',
  }),
  freezeEncoder: flag('freeze-encoder', {
    help: "train only the head, on cached embeddings (fast, any backend); the encoder's BatchNorm statistics are re-estimated on training frames",
  }),
  window: integer('window', {
    min: 1,
    max: MAX_WINDOW,
    valueName: '<N>',
    help: 'frames per window',
    defaultText: "the --init model's, else 4",
  }),
  size: integer('size', {
    min: 8,
    max: 1024,
    default: 99,
    valueName: '<px>',
    help: 'frame side of a new model',
  }),
  stride: integer('stride', {
    min: 1,
    max: 1_000_000,
    default: 1,
    valueName: '<S>',
    help: 'frames between training windows',
  }),
  fps: number('fps', {
    min: 0,
    max: 1000,
    exclusiveMin: true,
    valueName: '<F>',
    help: 'sample the videos at F frames per second',
    defaultText: "each video's rate",
  }),
  epochs: integer('epochs', {
    min: 1,
    max: 100_000,
    default: 30,
    valueName: '<n>',
    help: 'most epochs',
  }),
  batchSize: integer('batch-size', {
    min: 1,
    max: 4096,
    default: 32,
    valueName: '<n>',
    help: 'windows per step',
  }),
  learningRate: number('learning-rate', {
    min: 0,
    max: 10,
    exclusiveMin: true,
    default: 0.003,
    valueName: '<lr>',
    help: 'Adam learning rate',
  }),
  patience: integer('patience', {
    min: 1,
    max: 100_000,
    default: 5,
    valueName: '<n>',
    help: 'epochs without a better validation loss before stopping (the best epoch is kept)',
  }),
  validation: number('validation', {
    min: 0,
    exclusiveMin: true,
    max: 1,
    exclusiveMax: true,
    default: 0.2,
    valueName: '<fraction>',
    help: 'share of the videos held out for validation (split by video)',
  }),
  seed: integer('seed', {
    min: 0,
    max: 2 ** 31 - 1,
    default: 1,
    valueName: '<n>',
    help: "seed of the split and of a new model's weights",
  }),
  balance: number('balance', {
    min: 0,
    max: 1000,
    default: 1,
    valueName: '<p>',
    help: 'class weights (windows / class windows)^p: 1 weighs the classes equally, 0 each window equally',
  }),
};

/** How `framewise evaluate` labels the videos: as `label` does, with these of its options. */
export const EVALUATE_LABEL_OPTIONS = {
  window: JOB_LABEL_OPTIONS.window,
  stride: JOB_LABEL_OPTIONS.stride,
  fps: JOB_LABEL_OPTIONS.fps,
  mode: JOB_LABEL_OPTIONS.mode,
};

/** How `framewise evaluate` scores event detection. */
export const EVALUATE_OPTIONS = {
  event: text('event', {
    default: 'cut',
    valueName: '<label>',
    help: 'the class whose segments are the events',
  }),
  toleranceSec: number('tolerance', {
    min: 0,
    max: 60,
    default: 0.5,
    valueName: '<sec>',
    help: 'largest distance of a matching detection',
  }),
  // PySceneDetect's minimum scene length on its command line.
  minGapSec: number('min-gap', {
    min: 0,
    max: 3600,
    default: 0.6,
    valueName: '<sec>',
    help: 'of detections closer than this, only the most confident counts; 0 counts all',
  }),
  ...EVALUATE_LABEL_OPTIONS,
  errors: flag('errors', {
    help: "list each video's false and missed events, with their times, on stderr",
  }),
};
