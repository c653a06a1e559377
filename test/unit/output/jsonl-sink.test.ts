import { PassThrough } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import type { Label } from '../../../src/pipeline/label.js';
import { formatLabelJson, JsonlSink } from '../../../src/output/jsonl-sink.js';

const label: Label = { frame: 3, start: 0, t: 0.1, label: 1, score: 0.93, scores: [0.07, 0.93] };

describe('formatLabelJson', () => {
  it('prints the contract line, keys in order', () => {
    expect(formatLabelJson(label)).toBe(
      '{"frame":3,"start":0,"t":0.1,"label":1,"score":0.93,"scores":[0.07,0.93]}',
    );
  });

  it('puts name between label and score when known', () => {
    expect(formatLabelJson({ ...label, name: 'cut' })).toBe(
      '{"frame":3,"start":0,"t":0.1,"label":1,"name":"cut","score":0.93,"scores":[0.07,0.93]}',
    );
  });

  it('rounds t to milliseconds', () => {
    const line = formatLabelJson({ ...label, t: 3.2000000000000006 + 0.0004 });
    expect(JSON.parse(line)).toMatchObject({ t: 3.2 });
  });

  it('prints float32 scores with the fewest digits that keep them', () => {
    const scores = Array.from(new Float32Array([0.07, 0.93]));
    expect(scores[1]).not.toBe(0.93);
    const parsed = JSON.parse(formatLabelJson({ ...label, score: scores[1] ?? 0, scores }));
    expect(parsed).toMatchObject({ score: 0.93, scores: [0.07, 0.93] });
  });

  it('keeps every score within 1e-7 of the float32 value', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.abs(Math.sin(i * 12.9898)));
    const scores = Array.from(values);
    const parsed = JSON.parse(formatLabelJson({ ...label, scores })) as { scores: number[] };
    parsed.scores.forEach((score, i) => {
      expect(Math.fround(score)).toBe(values[i]);
      expect(Math.abs(score - (scores[i] ?? Number.NaN))).toBeLessThan(1e-7);
    });
  });

  it('prints scores given as a Float32Array as a JSON array', () => {
    const scores = new Float32Array([0.25, 0.75]) as unknown as readonly number[];
    expect(JSON.parse(formatLabelJson({ ...label, scores }))).toMatchObject({
      scores: [0.25, 0.75],
    });
  });
});

describe('JsonlSink', () => {
  it('writes one JSON line per label', async () => {
    const stream = new PassThrough();
    const output = text(stream);
    const sink = new JsonlSink(stream, { end: true });
    await sink.write(label);
    await sink.write({ ...label, frame: 4, start: 1, t: 0.133333, name: 'cut' });
    await sink.close();
    const lines = (await output).split('\n');
    expect(lines).toEqual([
      formatLabelJson(label),
      '{"frame":4,"start":1,"t":0.133,"label":1,"name":"cut","score":0.93,"scores":[0.07,0.93]}',
      '',
    ]);
  });

  it('refuses labels after close', async () => {
    const sink = new JsonlSink(new PassThrough());
    await sink.close();
    await expect(sink.write(label)).rejects.toThrow('the sink is closed');
  });
});
