import { describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_OPTIONS } from '../../../src/options/label-options.js';
import { parseVideoJob, videoJobData } from '../../../src/queue/video-job.js';

const NO_LIVE_SETTINGS = {
  watchdogMs: undefined,
  maxReconnects: undefined,
  maxLagMs: undefined,
  keepStateOverGaps: undefined,
};

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
      overload: 'block' as const,
    };
    const live = { watchdogMs: 2000, maxReconnects: 5, maxLagMs: 250, keepStateOverGaps: true };
    const data = videoJobData('/media/a.mp4', {
      ...options,
      ...live,
      live: true,
      splitSec: undefined,
    });
    expect(data).toEqual({
      url: '/media/a.mp4',
      window: 8,
      stride: 2,
      fps: 5,
      mode: 'stateful',
      start: 1.5,
      duration: 3,
      overload: 'block',
      live: true,
      watchdog: 2000,
      maxReconnects: 5,
      maxLag: 250,
      keepState: true,
    });
    expect(parseVideoJob(data)).toEqual({ url: '/media/a.mp4', options, live });
  });

  it('leaves out of the payload what was not set', () => {
    const options = {
      ...DEFAULT_LABEL_OPTIONS,
      ...NO_LIVE_SETTINGS,
      live: false,
      splitSec: undefined,
    };
    expect(videoJobData('/media/a.mp4', options)).toEqual({
      url: '/media/a.mp4',
      stride: 1,
      mode: 'window',
      live: false,
    });
  });

  it('reads a live job without settings as one with the defaults', () => {
    expect(parseVideoJob({ url: 'http://cam/live.ts', live: true }).live).toEqual({});
  });

  it('takes defaults for what a minimal payload leaves out', () => {
    expect(parseVideoJob({ url: 'https://example.com/a.mp4' })).toEqual({
      url: 'https://example.com/a.mp4',
      options: DEFAULT_LABEL_OPTIONS,
    });
  });

  it.each([
    [null, /job data must be an object with a url, got null/],
    [{}, /url must be a non-empty string of at most 8192 characters, got undefined/],
    [{ url: 'a', window: 0 }, /window must be an integer >= 1 and <= 1024, got 0/],
    [{ url: 'a', stride: '2' }, /stride must be an integer >= 1 and <= 1000000, got "2"/],
    [{ url: 'a', mode: 'fast' }, /mode must be one of window, stateful, got "fast"/],
    [{ url: 'a', live: 'yes' }, /live must be a boolean, got "yes"/],
    [{ url: 'a', shell: 'rm -rf /' }, /unknown fields shell/],
    [{ url: 'a', overload: 'skip' }, /overload must be one of block, drop, got "skip"/],
    [
      { url: 'a', live: true, maxReconnects: -1 },
      /maxReconnects must be an integer >= 0 and <= 1000000, got -1/,
    ],
    [
      { url: 'a', live: true, watchdog: 5 },
      /watchdog must be an integer >= 100 and <= 3600000, got 5/,
    ],
    [{ url: 'a', maxReconnects: 3 }, /maxReconnects applies only with live: set "live": true/],
    [
      { url: 'a', live: false, watchdog: 500, maxLag: 10 },
      /watchdog, maxLag apply only with live: set "live": true/,
    ],
    [{ url: 'a', live: true, keepState: 'yes' }, /keepState must be a boolean, got "yes"/],
  ])('refuses %j naming the field and the value', (data, message) => {
    expect(() => parseVideoJob(data)).toThrow(message);
  });
});
