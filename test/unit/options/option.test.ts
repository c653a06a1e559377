import { describe, expect, it } from 'vitest';
import { LABEL_OPTIONS, DEFAULT_LABEL_OPTIONS } from '../../../src/options/label-options.js';
import {
  choice,
  fromText,
  integer,
  number,
  parseOptions,
  valuesOf,
} from '../../../src/options/option.js';

describe('option declarations', () => {
  it('say their rule, bounds included, for messages', () => {
    expect(integer('n', { min: 1, max: 9, valueName: '<n>', help: '' }).rule).toBe(
      'an integer >= 1 and <= 9',
    );
    expect(
      number('f', {
        min: 0,
        exclusiveMin: true,
        max: 1,
        exclusiveMax: true,
        valueName: '<f>',
        help: '',
      }).rule,
    ).toBe('a number > 0 and < 1');
    expect(choice('m', ['a', 'b'], { help: '' }).rule).toBe('one of a, b');
  });

  it('show their default in help unless told otherwise', () => {
    expect(
      integer('n', { min: 1, max: 99, default: 16, valueName: '<n>', help: '' }).defaultText,
    ).toBe('16');
    const told = integer('n', {
      min: 1,
      max: 9,
      default: 0,
      valueName: '<n>',
      help: '',
      defaultText: 'off',
    });
    expect(told.defaultText).toBe('off');
    expect(
      integer('n', { min: 1, max: 9, valueName: '<n>', help: '' }).defaultText,
    ).toBeUndefined();
  });

  it('fill a missing value with the default, or leave it undefined', () => {
    expect(LABEL_OPTIONS.stride.schema.parse(undefined)).toBe(1);
    expect(LABEL_OPTIONS.window.schema.parse(undefined)).toBeUndefined();
  });
});

describe('fromText', () => {
  it('reads numbers, refusing blank text rather than reading 0', () => {
    expect(fromText('integer', '12')).toBe(12);
    expect(fromText('number', ' ')).toBeNaN();
  });

  it('reads the words of a boolean variable and leaves others for the schema to refuse', () => {
    expect(['1', 'TRUE', 'yes', 'on'].map((v) => fromText('flag', v))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['0', 'false', 'No', 'off'].map((v) => fromText('flag', v))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(fromText('flag', 'maybe')).toBe('maybe');
  });
});

describe('parseOptions', () => {
  it('checks what a caller gives and defaults the rest', () => {
    expect(parseOptions(LABEL_OPTIONS, { window: 8, mode: 'stateful' })).toEqual({
      ...DEFAULT_LABEL_OPTIONS,
      window: 8,
      mode: 'stateful',
    });
  });

  it.each([
    [{ stride: 0 }, 'stride must be an integer >= 1 and <= 1000000, got 0'],
    [{ startSec: -1 }, 'startSec must be a number >= 0 and <= 10000000, got -1'],
    [{ overload: 'skip' }, 'overload must be one of block, drop, got "skip"'],
    [{ strides: 2 }, /unknown options strides; known: window, stride/],
  ])('refuses %j by name', (given, message) => {
    expect(() => parseOptions(LABEL_OPTIONS, given as never)).toThrow(message);
  });
});

describe('valuesOf', () => {
  it('takes the values of one set out of a larger one', () => {
    const all = { ...DEFAULT_LABEL_OPTIONS, live: true, prefix: 'x' };
    expect(valuesOf(all, LABEL_OPTIONS)).toEqual(DEFAULT_LABEL_OPTIONS);
  });
});
