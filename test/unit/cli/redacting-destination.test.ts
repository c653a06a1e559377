import { describe, expect, it } from 'vitest';
import { redactingDestination } from '../../../src/cli/redacting-destination.js';
import { redactUrlsInText } from '../../../src/policy/redact-url.js';

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

describe('redactUrlsInText', () => {
  // The regular expression it replaces: right, but quadratic on a long run of letters.
  const QUADRATIC = /([a-z][a-z0-9+.-]*:\/\/[^\s"/?#:@]*):[^\s"/?#]*@/gi;

  it('redacts as the regular expression did, on 5,000 random lines of URL-ish text', () => {
    const pieces = [
      'a',
      'Z',
      '9',
      ':',
      '/',
      '//',
      '://',
      '@',
      ' ',
      '"',
      '?',
      '#',
      '.',
      'rtsp',
      'x:y@',
    ];
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) % pieces.length;
    for (let line = 0; line < 5000; line++) {
      const text = Array.from({ length: 2 + (line % 30) }, () => pieces[next()]).join('');
      expect(redactUrlsInText(text), text).toBe(text.replace(QUADRATIC, '$1:***@'));
    }
  });

  it.each([
    ['a run of letters', 'a'.repeat(200_000)],
    ['a scheme with an endless user name', `http://${'u'.repeat(200_000)}`],
    ['an endless password', `x http://u:${'p'.repeat(200_000)} y`],
    ['many schemes', 'a://'.repeat(50_000)],
    ['many colons', 'a://b:'.repeat(40_000)],
  ])('takes linear time on %s (a job URL of any length)', (_name, text) => {
    // The old expression took 7 s on 100,000 letters and would take minutes here.
    expect(redactUrlsInText(text)).toBe(text);
    expect(redactUrlsInText(`${text} rtsp://cam:secret@host/`)).toMatch(
      /rtsp:\/\/cam:\*\*\*@host\/$/,
    );
  });
});
