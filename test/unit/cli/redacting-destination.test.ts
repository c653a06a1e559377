import { describe, expect, it } from 'vitest';
import { redactingDestination } from '../../../src/cli/redacting-destination.js';

function written(line: string): string {
  let out = '';
  redactingDestination({ write: (text: string) => (out += text) }).write(line);
  return out;
}

describe('redactingDestination', () => {
  it('hides URL passwords anywhere in a line: fields, messages, several per line', () => {
    const line = JSON.stringify({
      source: 'rtsp://cam:s3cret@10.0.0.5/live',
      err: 'ffmpeg: Input #0, from https://u:p%40ss@host/x.m3u8 and rtmp://a:b@c/d: failed',
    });
    const out = written(line);
    expect(out).not.toMatch(/s3cret|p%40ss|:b@/);
    expect(JSON.parse(out)).toEqual({
      source: 'rtsp://cam:***@10.0.0.5/live',
      err: 'ffmpeg: Input #0, from https://u:***@host/x.m3u8 and rtmp://a:***@c/d: failed',
    });
  });

  it('hides a password that contains @ whole, as URL parsers split it', () => {
    expect(written('"redis://:p@ss@redis:6379/0"')).toBe('"redis://:***@redis:6379/0"');
  });

  it('leaves lines without credentials unchanged', () => {
    const line = '{"msg":"job started","source":"http://host:8080/a.mp4","t":"12:00"}\n';
    expect(written(line)).toBe(line);
  });
});
