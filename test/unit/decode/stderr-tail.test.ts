import { describe, expect, it } from 'vitest';
import { STDERR_TAIL_LINES, StderrTail } from '../../../src/decode/stderr-tail.js';

describe('StderrTail', () => {
  it('keeps the last lines, oldest first', () => {
    const tail = new StderrTail(3);
    for (const line of ['a', 'b']) tail.push(line);
    expect(tail.lines()).toEqual(['a', 'b']);
    for (const line of ['c', 'd', 'e']) tail.push(line);
    expect(tail.lines()).toEqual(['c', 'd', 'e']);
  });

  it('is bounded however many lines arrive', () => {
    const tail = new StderrTail();
    for (let i = 0; i < 10_000; i++) tail.push(`line ${i}`);
    expect(tail.lines()).toHaveLength(STDERR_TAIL_LINES);
    expect(tail.lines().at(-1)).toBe('line 9999');
  });

  it('rejects a capacity below 1', () => {
    expect(() => new StderrTail(0)).toThrow('capacity must be an integer >= 1, got 0');
  });
});
