import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { bundledModelDir } from '../model/load/bundled-model.js';
import { openModel } from '../model/open-model.js';
import { useBackend } from '../model/run/backend.js';
import { formatHelp, parseCommandLine } from '../options/command-line.js';
import { DEFAULT_ONNX_THREADS } from '../options/engine-options.js';
import { DEFAULT_LABEL_OPTIONS } from '../options/label-options.js';
import { valuesOf } from '../options/option.js';
import { EVALUATE_LABEL_OPTIONS } from '../options/train-options.js';
import { labelVideo } from '../pipeline/label-video.js';
import { LABELS_CSV, readAnnotations } from '../train/annotations.js';
import { addRates, eventsFromLabels, matchEvents } from '../train/match-events.js';
import { suppressCloseEvents } from '../train/suppress-close-events.js';
import type { CommandIo } from './command-io.js';
import { EVALUATE_COMMAND } from './command-specs.js';
import { untilAborted } from './until-aborted.js';

/** Runs `framewise evaluate`; resolves with the exit status. */
export async function evaluateCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { options: values, positionals, help } = parseCommandLine(EVALUATE_COMMAND, args, io.env);
  if (help) {
    io.stdout.write(formatHelp(EVALUATE_COMMAND));
    return 0;
  }
  const { data, event, toleranceSec: tolerance, minGapSec: minGap } = values;
  if (positionals.length > 0 || data === undefined) {
    throw new UsageError('evaluate needs --data <dir> and no arguments');
  }
  const options = { ...DEFAULT_LABEL_OPTIONS, ...valuesOf(values, EVALUATE_LABEL_OPTIONS) };
  const annotations = await readAnnotations(join(data, LABELS_CSV));
  await useBackend(values.backend);
  const { model } = await untilAborted(
    openModel(values.model ?? bundledModelDir(), { threads: DEFAULT_ONNX_THREADS }),
    io.signal,
    (late) => late.model.dispose(),
  );
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
      for await (const label of labelVideo(join(data, video), model, options, {
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
      if (values.errors) {
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
