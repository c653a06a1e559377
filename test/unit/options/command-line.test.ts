import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import {
  envName,
  formatHelp,
  parseCommandLine,
  type CommandSpec,
} from '../../../src/options/command-line.js';
import { choice, flag, integer, list, number, text } from '../../../src/options/option.js';

const COMMAND = {
  name: 'try',
  usage: '<input> [options]',
  summary: 'a command for the tests',
  description: 'Tries options.',
  options: {
    window: integer('window', { min: 1, max: 1024, valueName: '<N>', help: 'frames per window' }),
    stride: integer('stride', { min: 1, max: 1024, default: 1, valueName: '<S>', help: 'stride' }),
    fps: number('fps', { min: 0, max: 1000, exclusiveMin: true, valueName: '<F>', help: 'rate' }),
    mode: choice('mode', ['window', 'stateful'], { default: 'window', help: 'head mode' }),
    prefix: text('prefix', {
      pattern: /^\S+$/,
      rule: 'no spaces',
      default: 'fw',
      valueName: '<p>',
      help: 'prefix',
    }),
    roots: list('media-root', { valueName: '<dir>', help: 'media roots' }),
    live: flag('live', { help: 'a live stream' }),
    watchdogMs: integer('watchdog', {
      min: 100,
      max: 3_600_000,
      valueName: '<ms>',
      help: 'restart ffmpeg when no frame came for this long',
      defaultText: '10000',
      requires: 'live',
    }),
    maxLagMs: integer('max-lag', {
      min: 0,
      max: 3_600_000,
      valueName: '<ms>',
      help: 'lag',
      requires: 'live',
    }),
  },
} satisfies CommandSpec;

describe('parseCommandLine', () => {
  it('types each value by its schema and fills defaults', () => {
    const { options, positionals, help } = parseCommandLine(
      COMMAND,
      ['in.mp4', '--window', '8', '--fps', '2.5', '--mode', 'stateful'],
      {},
    );
    expect(help).toBe(false);
    expect(positionals).toEqual(['in.mp4']);
    expect(options).toEqual({
      window: 8,
      stride: 1,
      fps: 2.5,
      mode: 'stateful',
      prefix: 'fw',
      roots: [],
      live: false,
      watchdogMs: undefined,
      maxLagMs: undefined,
    });
  });

  it('reads an option not given as a flag from its variable; the flag wins', () => {
    const env = { FRAMEWISE_WINDOW: '6', FRAMEWISE_STRIDE: '3', FRAMEWISE_LIVE: 'yes' };
    const { options } = parseCommandLine(COMMAND, ['--stride', '2'], env);
    expect(options).toMatchObject({ window: 6, stride: 2, live: true });
    expect(parseCommandLine(COMMAND, [], { FRAMEWISE_LIVE: 'off' }).options.live).toBe(false);
  });

  it('splits a list at the path delimiter', () => {
    const { options } = parseCommandLine(COMMAND, [], { FRAMEWISE_MEDIA_ROOT: '/a::/b' });
    expect(options.roots).toEqual(['/a', '/b']);
  });

  it.each([
    [['--window', '0'], {}, 'window must be an integer >= 1 and <= 1024, got "0"'],
    [['--window', ''], {}, 'window must be an integer >= 1 and <= 1024, got ""'],
    [['--window', '2.5'], {}, 'window must be an integer >= 1 and <= 1024, got "2.5"'],
    [['--fps', '0'], {}, 'fps must be a number > 0 and <= 1000, got "0"'],
    [['--fps', 'Infinity'], {}, 'fps must be a number > 0 and <= 1000, got "Infinity"'],
    [['--mode', 'fast'], {}, 'mode must be one of window, stateful, got "fast"'],
    [['--prefix', 'a b'], {}, 'prefix must be no spaces, at most 4096 characters, got "a b"'],
    [
      [],
      { FRAMEWISE_STRIDE: 'x' },
      'stride (from FRAMEWISE_STRIDE) must be an integer >= 1 and <= 1024, got "x"',
    ],
    [[], { FRAMEWISE_LIVE: 'maybe' }, 'live (from FRAMEWISE_LIVE) must be a boolean, got "maybe"'],
  ])('refuses %j (env %j) naming the option, the rule and the value', (args, env, message) => {
    expect(() => parseCommandLine(COMMAND, args, env)).toThrow(new UsageError(message));
  });

  it('refuses an unknown option, pointing at the help', () => {
    expect(() => parseCommandLine(COMMAND, ['--windw', '4'], {})).toThrow(
      /Unknown option '--windw'.* \(see framewise try --help\)/,
    );
  });

  it('refuses options that need another, naming them all and the fix', () => {
    expect(() => parseCommandLine(COMMAND, ['--watchdog', '500', '--max-lag', '9'], {})).toThrow(
      '--watchdog, --max-lag apply only with --live: add --live',
    );
    expect(() => parseCommandLine(COMMAND, [], { FRAMEWISE_WATCHDOG: '500' })).toThrow(
      '--watchdog applies only with --live: add --live',
    );
    const { options } = parseCommandLine(COMMAND, ['--watchdog', '500', '--live'], {});
    expect(options.watchdogMs).toBe(500);
  });

  it('answers --help without checking the other values', () => {
    const { help, options } = parseCommandLine(COMMAND, ['--help', '--window', '0'], {});
    expect(help).toBe(true);
    expect(options.stride).toBe(1);
  });
});

describe('formatHelp', () => {
  const help = formatHelp(COMMAND);

  it('lists every option with its value, default and what it needs, and --help', () => {
    expect(help).toContain('usage: framewise try <input> [options]');
    expect(help).toMatch(/--stride <S> +stride \[1\]/);
    expect(help).toMatch(/--watchdog <ms> +with --live: restart ffmpeg .* \[10000\]/);
    expect(help).toMatch(/--help +show this help/);
  });

  it('keeps every line within 100 columns', () => {
    for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe('envName', () => {
  it('is the flag in upper snake case after FRAMEWISE_', () => {
    expect(envName('max-reconnects')).toBe('FRAMEWISE_MAX_RECONNECTS');
  });
});
