/** Precision and recall of detected events against true ones. */
export interface EventScores {
  /** Detected events within the tolerance of a true event (each true event matched once). */
  readonly truePositives: number;
  /** Detected events matching no true event. */
  readonly falsePositives: number;
  /** True events no detection matched. */
  readonly falseNegatives: number;
  /** truePositives / detected (1 when nothing was detected). */
  readonly precision: number;
  /** truePositives / true events (1 when there were none). */
  readonly recall: number;
}

/** {@link EventScores} with the events behind the errors. */
export interface EventMatch extends EventScores {
  /** Times of the detections that matched no true event, ascending. */
  readonly falseEvents: readonly number[];
  /** Times of the true events no detection matched, ascending. */
  readonly missedEvents: readonly number[];
}

/**
 * Matches detected event times to true ones, each at most once, greedily in time order, when
 * they are at most `toleranceSec` apart.
 */
export function matchEvents(
  detected: readonly number[],
  truth: readonly number[],
  toleranceSec: number,
): EventMatch {
  const open = [...truth].sort((a, b) => a - b);
  const falseEvents: number[] = [];
  for (const t of [...detected].sort((a, b) => a - b)) {
    let best = -1;
    for (const [i, candidate] of open.entries()) {
      if (
        Math.abs(candidate - t) <= toleranceSec &&
        (best < 0 || Math.abs(candidate - t) < Math.abs(open[best]! - t))
      ) {
        best = i;
      }
    }
    if (best >= 0) open.splice(best, 1);
    else falseEvents.push(t);
  }
  return {
    ...addRates({
      truePositives: detected.length - falseEvents.length,
      falsePositives: falseEvents.length,
      falseNegatives: open.length,
    }),
    falseEvents,
    missedEvents: open,
  };
}

/** Adds precision and recall to counts (of one video, or summed over many). */
export function addRates(
  counts: Pick<EventScores, 'truePositives' | 'falsePositives' | 'falseNegatives'>,
): EventScores {
  const detected = counts.truePositives + counts.falsePositives;
  const truth = counts.truePositives + counts.falseNegatives;
  return {
    ...counts,
    precision: detected === 0 ? 1 : counts.truePositives / detected,
    recall: truth === 0 ? 1 : counts.truePositives / truth,
  };
}

/** An event found in a label sequence. */
export interface DetectedEvent {
  /** Time of the first label of the run, in seconds. */
  readonly t: number;
  /** The highest probability of the event's class in the run. */
  readonly score: number;
}

/**
 * Events from a label sequence: one per run of labels named `name`, at the time of its first
 * label (for cuts: the first window holding the cut ends on the cut's first new frame).
 */
export function eventsFromLabels(
  labels: readonly { readonly t: number; readonly name?: string; readonly score: number }[],
  name: string,
): DetectedEvent[] {
  const events: { t: number; score: number }[] = [];
  labels.forEach((label, i) => {
    if (label.name !== name) return;
    if (i === 0 || labels[i - 1]!.name !== name) events.push({ t: label.t, score: label.score });
    else events[events.length - 1]!.score = Math.max(events[events.length - 1]!.score, label.score);
  });
  return events;
}
