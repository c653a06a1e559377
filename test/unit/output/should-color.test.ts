import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { shouldColor } from '../../../src/output/should-color.js';

function terminal(): PassThrough {
  return Object.assign(new PassThrough(), { isTTY: true });
}

describe('shouldColor', () => {
  it('colours a terminal', () => {
    expect(shouldColor(terminal(), {})).toBe(true);
  });

  it('does not colour a pipe', () => {
    expect(shouldColor(new PassThrough(), {})).toBe(false);
  });

  it('does not colour when NO_COLOR is set', () => {
    expect(shouldColor(terminal(), { NO_COLOR: '1' })).toBe(false);
  });

  it('ignores an empty NO_COLOR', () => {
    expect(shouldColor(terminal(), { NO_COLOR: '' })).toBe(true);
  });
});
