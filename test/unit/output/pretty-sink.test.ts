import { PassThrough } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import type { Label } from '../../../src/pipeline/label.js';
import { PrettySink } from '../../../src/output/pretty-sink.js';
import type { PrettySinkOptions } from '../../../src/output/pretty-sink-options.js';

const NAMES = ['same shot', 'cut'];

/** A label of window N=4, stride 1 at 10 fps. */
function label(frame: number, cls: number, score: number, named = true): Label {
  const name = named ? NAMES[cls] : undefined;
  return {
    frame,
    start: frame - 3,
    t: frame / 10,
    label: cls,
    ...(name === undefined ? {} : { name }),
    score,
    scores: cls === 0 ? [score, 1 - score] : [1 - score, score],
  };
}

async function render(labels: Label[], options: PrettySinkOptions = {}): Promise<string[]> {
  const stream = new PassThrough();
  const output = text(stream);
  const sink = new PrettySink(stream, { end: true, ...options });
  for (const l of labels) await sink.write(l);
  await sink.close();
  return (await output).split('\n').slice(0, -1);
}

describe('PrettySink', () => {
  it('prints one line per segment with its times, name, mean score and windows', async () => {
    const lines = await render([
      label(3, 0, 0.9),
      label(4, 0, 0.8),
      label(5, 1, 0.95),
      label(6, 0, 0.7),
      label(7, 0, 0.9),
      label(8, 0, 0.8),
    ]);
    expect(lines).toEqual([
      '00:00.300–00:00.500  same shot  0.85  (2 windows)',
      '00:00.500–00:00.600  cut        0.95  (1 window)',
      '00:00.600–00:00.900  same shot  0.80  (3 windows)',
    ]);
  });

  it('prints nothing until a segment ends, and the last one at close', async () => {
    const stream = new PassThrough();
    const sink = new PrettySink(stream);
    await sink.write(label(3, 0, 0.9));
    await sink.write(label(4, 0, 0.9));
    expect(stream.read()).toBeNull();
    await sink.close();
    expect(String(stream.read())).toBe('00:00.300–00:00.500  same shot  0.90  (2 windows)\n');
  });

  it('names unnamed classes by index', async () => {
    const lines = await render([label(3, 1, 0.6, false)]);
    expect(lines).toEqual(['00:00.300–00:00.300  class 1  0.60  (1 window)']);
  });

  it('prints nothing for no labels', async () => {
    expect(await render([])).toEqual([]);
  });

  it('colours names and dims times only when asked', async () => {
    const [plain] = await render([label(3, 1, 0.9)], { color: false });
    expect(plain).not.toContain('\u001b[');
    const [coloured] = await render([label(3, 1, 0.9)], { color: true });
    expect(coloured).toContain('\u001b[33mcut\u001b[39m');
    expect(coloured).toContain('\u001b[2m00:00.300–00:00.300\u001b[22m');
  });

  it('does not colour a stream that is not a terminal', async () => {
    const [line] = await render([label(3, 1, 0.9)]);
    expect(line).not.toContain('\u001b[');
  });

  it('returns the same promise from a second close and refuses labels after it', async () => {
    const sink = new PrettySink(new PassThrough());
    const first = sink.close();
    expect(sink.close()).toBe(first);
    await first;
    await expect(sink.write(label(3, 0, 0.9))).rejects.toThrow('the sink is closed');
  });
});
