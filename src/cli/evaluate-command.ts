import { join } from 'node:path';
import {
  DEFAULT_LABEL_OPTIONS,
  parseBackend,
  parseLabelOptions,
} from '../options/label-options.js';
import { optionalNumber } from '../options/option-values.js';
import { UsageError } from '../errors.js';
import { useBackend } from '../model/run/backend.js';
import { bundledModelDir } from '../model/load/bundled-model.js';
import { loadModel } from '../model/load-model.js';
import { labelVideo } from '../pipeline/label-video.js';
import { LABELS_CSV } from '../../lab/demo-model/cut-dataset.js';
import { readAnnotations } from '../train/annotations.js';
import { addRates, eventsFromLabels, matchEvents } from '../train/match-events.js';
import { suppressCloseEvents } from '../train/suppress-close-events.js';
import type { CommandIo } from './command-io.js';
import { formatOptions, parseCommandLine, type OptionSpec } from './parse-command-line.js';

/** Default `--tolerance`: a detection within half a second of a true event counts. */
const DEFAULT_TOLERANCE_SEC = 0.5;
/**
 * Default `--min-gap`, in seconds: PySceneDetect's minimum scene length on its command line.
 */
const DEFAULT_MIN_GAP_SEC = 0.6;

/** Options of `framewise evaluate`. */
export const EVALUATE_COMMAND_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  data: {
    type: 'string',
    valueName: '<dir>',
    help: `videos and ${LABELS_CSV} (video,start,end,label) [required]`,
  },
  model: {
    type: 'string',
    valueName: '<dir|URL>',
    help: 'the model to evaluate [bundled demo model]',
  },
  event: {
    type: 'string',
    valueName: '<label>',
    help: 'the class whose segments are the events [cut]',
  },
  tolerance: {
    type: 'string',
    valueName: '<sec>',
    help: `largest distance of a matching detection [${DEFAULT_TOLERANCE_SEC}]`,
  },
  'min-gap': {
    type: 'string',
    valueName: '<sec>',
    help: `of detections closer than this, only the most confident counts; 0 counts all [${DEFAULT_MIN_GAP_SEC}]`,
  },
  window: { type: 'string', valueName: '<N>', help: "frames per window [the model's]" },
  stride: { type: 'string', valueName: '<S>', help: 'as for label [1]' },
  fps: { type: 'string', valueName: '<F>', help: "as for label [the video's rate]" },
  mode: { type: 'string', valueName: '<window|stateful>', help: 'as for label [window]' },
  backend: { type: 'string', valueName: '<auto|tensorflow|wasm|cpu>', help: 'as for label [auto]' },
  errors: {
    type: 'boolean',
    help: "list each video's false and missed events, with their times, on stderr",
  },
  help: { type: 'boolean', help: 'show this help' },
};

const USAGE = `usage: framewise evaluate --data <dir> [options]

Labels every annotated video and scores event detection: a run of windows labeled <event> is
one detected event at its first window's time, as confident as the run's most probable window;
of detections closer than --min-gap, only the most confident counts; a true event is the start
of an annotated <event> segment; a detection within --tolerance of a true event, each used
once, is a hit.
Prints {"videos","events","detected","truePositives","falsePositives","falseNegatives","precision","recall"};
per video, its counts on stderr (with --errors, also the time of each false and missed event).

options:
${formatOptions(EVALUATE_COMMAND_OPTIONS)}
`;

/** Runs `framewise evaluate`; resolves with the exit status. */
export async function evaluateCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandLine(
    'evaluate',
    args,
    EVALUATE_COMMAND_OPTIONS,
    io.env,
  );
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length > 0 || typeof values.data !== 'string') {
    throw new UsageError('evaluate needs --data <dir> and no arguments');
  }
  const event = typeof values.event === 'string' ? values.event : 'cut';
  const tolerance =
    optionalNumber(values, 'tolerance', { min: 0, exclusive: false }) ?? DEFAULT_TOLERANCE_SEC;
  const minGap =
    optionalNumber(values, 'min-gap', { min: 0, exclusive: false }) ?? DEFAULT_MIN_GAP_SEC;
  const options = { ...DEFAULT_LABEL_OPTIONS, ...parseLabelOptions(values) };
  const annotations = await readAnnotations(join(values.data, LABELS_CSV));
  await useBackend(parseBackend(values.backend as string | undefined));
  const model = await loadModel((values.model as string | undefined) ?? bundledModelDir());
  if (!model.classNames?.includes(event)) {
    model.dispose();
    throw new UsageError(
      `the model has no class ${JSON.stringify(event)} (its classes: ${model.classNames?.join(', ') ?? 'unnamed'}); pass --event`,
    );
  }
  const totals = { truePositives: 0, falsePositives: 0, falseNegatives: 0 };
  let events = 0;
  try {
    for (const [video, segments] of annotations.videos) {
      const labels = [];
      for await (const label of labelVideo(join(values.data, video), model, options, {
        signal: io.signal,
      }))
        labels.push(label);
      const truth = segments.filter((s) => s.label === event).map((s) => s.start);
      const detected = suppressCloseEvents(eventsFromLabels(labels, event), minGap);
      const scores = matchEvents(
        detected.map((e) => e.t),
        truth,
        tolerance,
      );
      events += truth.length;
      totals.truePositives += scores.truePositives;
      totals.falsePositives += scores.falsePositives;
      totals.falseNegatives += scores.falseNegatives;
      io.stderr.write(
        `${video}: ${truth.length} events, precision ${scores.precision.toFixed(3)}, recall ${scores.recall.toFixed(3)}\n`,
      );
      if (values.errors === true) {
        for (const t of scores.falseEvents)
          io.stderr.write(`  false ${event} at ${t.toFixed(3)} s\n`);
        for (const t of scores.missedEvents)
          io.stderr.write(`  missed ${event} at ${t.toFixed(3)} s\n`);
      }
    }
  } finally {
    model.dispose();
  }
  const scores = addRates(totals);
  const round = (x: number) => Math.round(x * 10000) / 10000;
  io.stdout.write(
    `${JSON.stringify({
      videos: annotations.videos.size,
      events,
      detected: totals.truePositives + totals.falsePositives,
      ...totals,
      precision: round(scores.precision),
      recall: round(scores.recall),
    })}\n`,
  );
  return 0;
}
