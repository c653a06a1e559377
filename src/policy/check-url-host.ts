import { isIP } from 'node:net';
import { NetworkError, UrlRefusedError } from '../errors.js';
import { privateAddressKind, type PrivateAddressKind } from './private-address.js';

/**
 * Resolves a host name to all of its addresses, as `dns.promises.lookup` does with
 * `{ all: true, verbatim: true }`.
 */
export type HostLookup = (host: string) => Promise<readonly { address: string; family: number }[]>;

/** What {@link checkUrlHost} needs of the URL policy. */
export interface UrlHostOptions {
  /** Let non-public hosts through (the host must still be well-formed). */
  readonly allowPrivate: boolean;
  /** Resolves host names that are not IP literals. */
  readonly lookup: HostLookup;
}

const SPECIAL_SCHEMES = new Set(['http:', 'https:']);
// WHATWG leaves the host of an rtsp: or rtmp: URL as written (an "opaque host"); anything but
// a plain DNS name or IPv4 form is refused rather than guessed at.
const PLAIN_HOST = /^[a-z0-9._-]+$/i;

const ALLOW_PRIVATE_HINT =
  'use a public host, or start the worker with --allow-private if this source is trusted';

/**
 * Refuses a network URL whose host is, or resolves to, a non-public address (see
 * `privateAddressKind`), unless `allowPrivate`. An IP literal is classified directly, including
 * the forms WHATWG URL and getaddrinfo read as IPv4 (`2130706433`, `0x7f.1`, `127.1`), also in
 * rtsp: and rtmp: URLs whose host WHATWG leaves unparsed. A name is resolved and refused if ANY
 * of its addresses is non-public, since ffmpeg may connect to any of them.
 *
 * This checks the first host only. A worker sends every http(s) connection of a job through its
 * egress proxy (`EgressProxy`), which checks each one again and pins it to the address it
 * checked: redirects, playlist entries and DNS rebinding are covered there. RTSP and RTMP
 * connect by themselves: with RTSP over UDP the `source=` address of the server's Transport
 * reply is not checked, and ffmpeg resolves the name again.
 *
 * @param url - The parsed input URL.
 * @param options - Whether private hosts are allowed, and how names are resolved.
 * @param shown - The input as it may appear in messages (password redacted).
 * @returns The addresses checked (all the name's, or the literal), or undefined when
 *   `allowPrivate` let the host through unchecked.
 * @throws {@link UrlRefusedError} for a missing, malformed or non-public host.
 * @throws {@link NetworkError} when the name cannot be resolved (transient: the job is retried).
 */
export async function checkUrlHost(
  url: URL,
  options: UrlHostOptions,
  shown: string,
): Promise<readonly string[] | undefined> {
  const host = hostOf(url);
  if (host === undefined) {
    throw new UrlRefusedError(
      `refused URL ${shown}: it has no valid host; give a URL like ${url.protocol}//host/path`,
    );
  }
  if (options.allowPrivate) return undefined;
  if (isIP(host) !== 0) {
    const kind = privateAddressKind(host);
    if (kind !== undefined) {
      throw new UrlRefusedError(
        `refused URL ${shown}: its host ${host} is ${describe(kind)}; ${ALLOW_PRIVATE_HINT}`,
      );
    }
    return [host];
  }
  const answers = await resolveAll(host, options.lookup, shown);
  for (const { address } of answers) {
    const kind = privateAddressKind(address);
    if (kind !== undefined) {
      throw new UrlRefusedError(
        `refused URL ${shown}: its host ${host} resolves to ${address}, ${describe(kind)}; ${ALLOW_PRIVATE_HINT}`,
      );
    }
  }
  return answers.map((a) => a.address);
}

// The host as the address check must see it: brackets stripped from IPv6, IPv4 forms
// normalised to dotted quads. Undefined when there is no usable host.
function hostOf(url: URL): string | undefined {
  const host = url.hostname;
  if (host === '') return undefined;
  if (host.startsWith('[')) return host.slice(1, -1);
  if (SPECIAL_SCHEMES.has(url.protocol)) return host;
  if (!PLAIN_HOST.test(host)) return undefined;
  // getaddrinfo, which ffmpeg calls, reads numeric forms as IPv4 just as the http: parser does.
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
}

async function resolveAll(
  host: string,
  lookup: HostLookup,
  shown: string,
): Promise<readonly { address: string }[]> {
  let answers: readonly { address: string }[];
  try {
    answers = await lookup(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'lookup failed';
    throw new NetworkError(
      `cannot resolve host ${host} of ${shown} (${code}); check the name and the DNS and try again (a queued job is retried)`,
      { cause: error },
    );
  }
  if (answers.length === 0) {
    throw new NetworkError(
      `cannot resolve host ${host} of ${shown}: no addresses; check the name and the DNS and try again (a queued job is retried)`,
    );
  }
  return answers;
}

function describe(kind: PrivateAddressKind): string {
  if (kind === 'invalid') return 'not an IP address';
  if (kind === 'broadcast') return 'the broadcast address';
  const article = kind === 'unspecified' ? 'an' : 'a';
  return `${article} ${kind} address`;
}
