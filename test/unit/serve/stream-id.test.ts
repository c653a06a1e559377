import { describe, expect, it } from 'vitest';
import { compareStreamIds, isStreamId } from '../../../src/serve/stream-id.js';

describe('stream entry IDs', () => {
  it('tells well-formed IDs from others', () => {
    for (const id of [
      '0-0',
      '3-1',
      '1700000000000-12',
      '18446744073709551615-18446744073709551615',
    ])
      expect(isStreamId(id), id).toBe(true);
    for (const id of ['', '1', '1-', '-1', '1-2-3', 'a-1', '1-1\n', ' 1-1', '$', '>', '+'])
      expect(isStreamId(id), id).toBe(false);
  });

  it('orders by milliseconds, then sequence, as numbers beyond 2^53', () => {
    expect(compareStreamIds('9-1', '10-0')).toBe(-1);
    expect(compareStreamIds('10-2', '10-10')).toBe(-1);
    expect(compareStreamIds('10-10', '10-2')).toBe(1);
    expect(compareStreamIds('5-1', '5-1')).toBe(0);
    expect(compareStreamIds('9007199254740993-0', '9007199254740992-0')).toBe(1);
    expect(() => compareStreamIds('x', '1-0')).toThrow(/not a stream entry ID/);
  });
});
