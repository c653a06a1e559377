import type { CommandSpec } from '../options/command-line.js';
import { CANCEL_OPTIONS, ENQUEUE_OPTIONS, OUTPUT_OPTIONS } from '../options/client-options.js';
import {
  BACKEND_OPTION,
  CONVERT_OPTIONS,
  ENCODER_OPTIONS,
  MODEL_OPTION,
} from '../options/engine-options.js';
import { JOB_LABEL_OPTIONS, LABEL_OPTIONS, LOCAL_LABEL_OPTIONS } from '../options/label-options.js';
import { LIVE_OPTION, LIVE_SETTINGS } from '../options/live-options.js';
import { POLICY_OPTIONS, PREFIX_OPTION } from '../options/queue-options.js';
import { SERVE_OPTIONS } from '../options/serve-options.js';
import { SPLIT_OPTION, SPLIT_OVER_OPTION } from '../options/split-options.js';
import { DATA_OPTION, EVALUATE_OPTIONS, TRAIN_OPTIONS } from '../options/train-options.js';
import { WORKER_OPTIONS } from '../options/worker-options.js';

/**
 * What each command takes and says of itself: its `--help`, `framewise --help` and the
 * reference (docs/cli.md) are made from these. Light to import: the commands' code is loaded
 * only when one runs.
 */
export const LABEL_COMMAND = {
  name: 'label',
  usage: '<input> [options]',
  summary: 'label a video file or stream locally (no Redis needed)',
  description:
    'Labels a video file or stream with a CNN+LSTM model, one JSON line per label on stdout.\n' +
    '<input>: a file path, a file:// URL, or an http(s), rtsp(s), rtmp or HLS URL.',
  options: {
    ...MODEL_OPTION,
    ...LABEL_OPTIONS,
    ...BACKEND_OPTION,
    ...ENCODER_OPTIONS,
    ...LIVE_OPTION,
    ...LIVE_SETTINGS,
    ...OUTPUT_OPTIONS,
  },
} satisfies CommandSpec;

export const WORKER_COMMAND = {
  name: 'worker',
  usage: '[options]',
  summary: 'take jobs from the queue and label them (runs until SIGTERM)',
  description:
    'Takes jobs from the BullMQ queue "videos" on REDIS_URL [redis://127.0.0.1:6379], labels them and\n' +
    'writes each label to the stream <prefix>:labels:<jobId>. Runs until SIGTERM or SIGINT, then\n' +
    'shuts down gracefully.',
  options: {
    ...WORKER_OPTIONS,
    ...SPLIT_OVER_OPTION,
    batch: LOCAL_LABEL_OPTIONS.batch,
    ...POLICY_OPTIONS,
    ...MODEL_OPTION,
    ...BACKEND_OPTION,
    ...ENCODER_OPTIONS,
    ...PREFIX_OPTION,
  },
} satisfies CommandSpec;

export const ENQUEUE_COMMAND = {
  name: 'enqueue',
  usage: '<url…> [options]',
  summary: 'add labeling jobs to the queue; prints their ids',
  description:
    'Adds one job per input to the queue "videos" on REDIS_URL and prints each job\'s id.\n' +
    'An input is a file path (under --media-root) or an http(s), rtsp(s) or rtmp URL.\n' +
    'Every input is checked before any job is added.',
  options: {
    ...JOB_LABEL_OPTIONS,
    ...LIVE_OPTION,
    ...LIVE_SETTINGS,
    ...SPLIT_OPTION,
    ...ENQUEUE_OPTIONS,
    ...POLICY_OPTIONS,
    ...PREFIX_OPTION,
  },
} satisfies CommandSpec;

export const WATCH_COMMAND = {
  name: 'watch',
  usage: '<jobId> [options]',
  summary: "print a job's labels as they arrive",
  description:
    "Prints the job's labels as JSON lines as they arrive, from the first; exits 0 when the job\n" +
    'completes, 1 when it fails.',
  options: { ...PREFIX_OPTION },
} satisfies CommandSpec;

export const STATUS_COMMAND = {
  name: 'status',
  usage: '<jobId> [options]',
  summary: "print a job's state, progress and summary",
  description:
    'Prints {"id","state","progress","summary"?,"failedReason"?,"attempts"} for the job.',
  options: { ...PREFIX_OPTION },
} satisfies CommandSpec;

export const CANCEL_COMMAND = {
  name: 'cancel',
  usage: '<jobId> [options]',
  summary: 'stop a job',
  description:
    'Stops a job: a running one at once (its ffmpeg is killed), a waiting one when a worker picks it\n' +
    "up. The job ends as failed with a reason saying it was cancelled. Prints the job's status.",
  options: { ...CANCEL_OPTIONS, ...PREFIX_OPTION },
} satisfies CommandSpec;

export const SERVE_COMMAND = {
  name: 'serve',
  usage: '[options]',
  summary: 'the web dashboard: jobs, live label timelines, video, queue admin',
  description:
    'Serves the dashboard for the queue "videos" on REDIS_URL: the jobs page, a page per job with its\n' +
    'label timeline (live while it runs) and its video when the file is under --media-root, the\n' +
    "workers' health, and bull-board at /queues. Runs until SIGTERM or SIGINT.",
  options: {
    ...SERVE_OPTIONS,
    ...POLICY_OPTIONS,
    attempts: ENQUEUE_OPTIONS.attempts,
    backoffMs: ENQUEUE_OPTIONS.backoffMs,
    ...PREFIX_OPTION,
  },
} satisfies CommandSpec;

export const TRAIN_COMMAND = {
  name: 'train',
  usage: '--data <dir> --out <model dir> [options]',
  summary: 'train a model on labeled clips',
  description:
    'Trains a video classifier on labeled clips. <dir>/labels.csv has the header video,start,end,label;\n' +
    'a window is labeled by the segment holding its last frame. Videos are split into training and\n' +
    'validation sets; progress goes to stderr, a JSON report to stdout. Full training needs\n' +
    'convolution gradients: --backend cpu or tensorflow (wasm has none), or --freeze-encoder.',
  options: { ...DATA_OPTION, ...TRAIN_OPTIONS, ...BACKEND_OPTION },
} satisfies CommandSpec;

export const EVALUATE_COMMAND = {
  name: 'evaluate',
  usage: '--data <dir> [options]',
  summary: "score a model's event detection (e.g. cuts) on labeled clips",
  description:
    'Labels every annotated video and scores event detection: a run of windows labeled <event> is\n' +
    "one detected event at its first window's time, as confident as the run's most probable window;\n" +
    'of detections closer than --min-gap, only the most confident counts; a true event is the start\n' +
    'of an annotated <event> segment; a detection within --tolerance of a true event, each used\n' +
    'once, is a hit.\n' +
    'Prints {"videos","events","detected","truePositives","falsePositives","falseNegatives","precision","recall"};\n' +
    'per video, its counts on stderr (with --errors, also the time of each false and missed event).',
  options: { ...DATA_OPTION, ...MODEL_OPTION, ...EVALUATE_OPTIONS, ...BACKEND_OPTION },
} satisfies CommandSpec;

export const CONVERT_COMMAND = {
  name: 'convert',
  usage: '<model.keras|model.h5|model dir> <dir> [--to tfjs|onnx]',
  summary: 'write a Keras model file as a TensorFlow.js or ONNX model directory',
  description:
    'Reads a Keras 3 .keras archive or a Keras 2/3 .h5 file (a path or an http(s) URL) without\n' +
    'Python and writes it to <dir> (new or empty), with the framewise.json beside the Keras file if\n' +
    'there is one. --to tfjs: a TensorFlow.js Layers model (model.json and one weights file).\n' +
    '--to onnx: an ONNX model directory (encoder.onnx, head.onnx with state inputs for stateful\n' +
    'mode, framewise.json), the model rewritten for inference as the onnx engine runs it; this also\n' +
    'takes a TensorFlow.js model directory. Checks that what it wrote loads, then prints\n' +
    '{"model","format",...}. --model takes the Keras file itself too: converting is optional.',
  options: CONVERT_OPTIONS,
} satisfies CommandSpec;

/** Every command's spec, in the order `framewise --help` and the reference list them. */
export const COMMAND_SPECS: readonly CommandSpec[] = [
  LABEL_COMMAND,
  WORKER_COMMAND,
  ENQUEUE_COMMAND,
  WATCH_COMMAND,
  STATUS_COMMAND,
  CANCEL_COMMAND,
  SERVE_COMMAND,
  TRAIN_COMMAND,
  EVALUATE_COMMAND,
  CONVERT_COMMAND,
];
