import { describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_OPTIONS } from '../../../src/config/label-options.js';
import { parseVideoJob, videoJobData } from '../../../src/queue/video-job.js';

describe('parseVideoJob', () => {
  it('round-trips the payload enqueue writes', () => {
    const options = {
      ...DEFAULT_LABEL_OPTIONS,
      window: 8,
      stride: 2,
      fps: 5,
      mode: 'stateful' as const,
      startSec: 1.5,
      durationSec: 3,
    };
    const data = videoJobData('/media/a.mp4', options, true);
    expect(data).toEqual({
      url: '/media/a.mp4',
      window: 8,
      stride: 2,
      fps: 5,
      mode: 'stateful',
      start: 1.5,
      duration: 3,
      live: true,
    });
    expect(parseVideoJob(data)).toEqual({ url: '/media/a.mp4', options, live: true });
  });

  it('takes defaults for what a minimal payload leaves out', () => {
    expect(parseVideoJob({ url: 'https://example.com/a.mp4' })).toEqual({
      url: 'https://example.com/a.mp4',
      options: DEFAULT_LABEL_OPTIONS,
      live: false,
    });
  });

  it.each([
    [null, /job data must be an object with a url, got null/],
    [{}, /url must be a non-empty string, got undefined/],
    [{ url: 'a', window: 0 }, /window must be an integer >= 1, got 0/],
    [{ url: 'a', stride: '2' }, /stride must be a number, got "2"/],
    [{ url: 'a', mode: 'fast' }, /mode must be one of window, stateful, got "fast"/],
    [{ url: 'a', live: 'yes' }, /live must be a boolean, got "yes"/],
    [{ url: 'a', shell: 'rm -rf /' }, /unknown fields shell/],
  ])('refuses %j naming the field and the value', (data, message) => {
    expect(() => parseVideoJob(data)).toThrow(message);
  });
});
