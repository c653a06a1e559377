import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { checkServeAccess, isLoopbackHost } from '../../../src/serve/access.js';

describe('dashboard access', () => {
  it('knows loopback hosts', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      'localhost',
      'app.localhost',
      '::ffff:127.0.0.1',
    ])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '192.168.1.2',
      'example.com',
      'localhost.example.com',
      '128.0.0.1',
      '::2',
    ])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('needs a token to listen beyond loopback', () => {
    expect(() => checkServeAccess('127.0.0.1', undefined)).not.toThrow();
    expect(() => checkServeAccess('0.0.0.0', 'a-token-of-sixteen')).not.toThrow();
    expect(() => checkServeAccess('0.0.0.0', undefined)).toThrow(UsageError);
    expect(() => checkServeAccess('::', undefined)).toThrow(/--token/);
  });
});
