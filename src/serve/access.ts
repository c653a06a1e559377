import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { UsageError } from '../errors.js';

/** The cookie a browser keeps the token in once it has opened a page with `?token=`. */
export const TOKEN_COOKIE = 'framewise_token';

/** True for an address or name that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/**
 * Refuses to serve beyond this machine without a token: anyone who can reach the port could
 * otherwise read every job and add, cancel and retry jobs.
 * @throws {@link UsageError} for a non-loopback host and no token.
 */
export function checkServeAccess(host: string, token: string | undefined): void {
  if (token === undefined && !isLoopbackHost(host)) {
    throw new UsageError(
      `serving on ${host} lets any machine that reaches it read and change the queue: give --token <secret> (or FRAMEWISE_TOKEN), or serve on 127.0.0.1`,
    );
  }
}

/** The `Host` header's name, without its port. */
function hostName(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  try {
    return new URL(`http://${header}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * The dashboard's gate, before every route:
 * - with a token, a request carries it as `Authorization: Bearer <token>`, in the
 *   {@link TOKEN_COOKIE} cookie, or as `?token=` (which sets the cookie; a page opened so is
 *   redirected to its URL without the token, to keep it out of history and logs);
 * - without one (the server is on loopback), the `Host` header must name a loopback host, so a
 *   web page cannot reach the dashboard through DNS rebinding;
 * - a request that changes something must come from the dashboard's own origin (no CSRF).
 */
export function accessGate(token: string | undefined): MiddlewareHandler {
  const expected = token === undefined ? undefined : digest(token);
  return async (c, next) => {
    if (expected === undefined) {
      const name = hostName(c.req.header('host'));
      if (name === undefined || !isLoopbackHost(name)) {
        return c.text('framewise serve answers only to loopback host names without a token\n', 403);
      }
    } else {
      const given = tokenOf(c);
      if (given === undefined || !timingSafeEqual(digest(given.value), expected)) {
        c.header('WWW-Authenticate', 'Bearer realm="framewise"');
        return c.text(
          given === undefined
            ? 'this dashboard needs its token: open it with ?token=<token>, or send Authorization: Bearer <token>\n'
            : 'wrong token\n',
          401,
        );
      }
      if (given.from === 'query') {
        setCookie(c, TOKEN_COOKIE, given.value, {
          httpOnly: true,
          sameSite: 'Strict',
          path: '/',
          secure: new URL(c.req.url).protocol === 'https:',
        });
        if (c.req.method === 'GET' && acceptsHtml(c)) {
          const url = new URL(c.req.url);
          url.searchParams.delete('token');
          return c.redirect(`${url.pathname}${url.search}`, 303);
        }
      }
    }
    if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) && !sameOrigin(c)) {
      return c.text('cross-origin request refused\n', 403);
    }
    await next();
  };
}

function tokenOf(c: Context): { value: string; from: 'header' | 'cookie' | 'query' } | undefined {
  const header = c.req.header('authorization');
  const bearer = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (bearer !== undefined) return { value: bearer, from: 'header' };
  const cookie = getCookie(c, TOKEN_COOKIE);
  if (cookie !== undefined && cookie !== '') return { value: cookie, from: 'cookie' };
  const query = c.req.query('token');
  if (query !== undefined && query !== '') return { value: query, from: 'query' };
  return undefined;
}

/** Hashing first makes the comparison constant-time whatever the lengths. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function acceptsHtml(c: Context): boolean {
  return (c.req.header('accept') ?? '').includes('text/html');
}

/** A browser names the page's origin on every POST; it must be this server. */
function sameOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  if (origin === undefined) return c.req.header('sec-fetch-site') !== 'cross-site';
  try {
    return new URL(origin).host === c.req.header('host');
  } catch {
    return false;
  }
}
