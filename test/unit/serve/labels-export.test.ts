import { describe, expect, it } from 'vitest';
import { csvText } from '../../../src/serve/labels-export.js';

describe('csvText', () => {
  it('quotes what RFC 4180 asks and keeps formulas from running', () => {
    expect(csvText('same shot')).toBe('same shot');
    expect(csvText('a,b')).toBe('"a,b"');
    expect(csvText('say "hi"')).toBe('"say ""hi"""');
    expect(csvText('two\nlines')).toBe('"two\nlines"');
    expect(csvText('=1+1')).toBe("'=1+1");
    expect(csvText('+cmd')).toBe("'+cmd");
    expect(csvText('-x')).toBe("'-x");
    expect(csvText('@sum')).toBe("'@sum");
    expect(csvText('=a,b')).toBe(`"'=a,b"`);
    expect(csvText('')).toBe('');
  });
});
