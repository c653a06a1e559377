import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ModelError } from '../../errors.js';
import { privateAddressKind, type PrivateAddressKind } from '../../policy/private-address.js';

/**
 * Longest a model file's download may take (model.json, a weight shard, framewise.json): a
 * server that accepts and never answers, or stalls, fails the load instead of holding it.
 */
export const MODEL_FETCH_TIMEOUT_MS = 120_000;

/** Redirects followed for one model file. */
const MAX_REDIRECTS = 5;

/**
 * Addresses a model is never fetched from. A model server is often on a private network, so
 * private and loopback hosts are allowed; the cloud metadata service and link-local addresses
 * never serve models, and reaching them leaks credentials.
 */
const NEVER: ReadonlySet<PrivateAddressKind> = new Set([
  'cloud metadata',
  'link-local',
  'unspecified',
  'multicast',
  'broadcast',
  'invalid',
]);

/**
 * `fetch` for model files: http(s) only, each hop of a redirect checked (never the cloud
 * metadata service or a link-local address), given up after {@link MODEL_FETCH_TIMEOUT_MS}.
 * @throws {@link ModelError} for a refused host, too many redirects or a timeout.
 */
export async function fetchModelFile(
  url: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  const timeout = AbortSignal.timeout(MODEL_FETCH_TIMEOUT_MS);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  let current = new URL(url instanceof Request ? url.url : String(url));
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      await checkModelHost(current);
      const response = await fetch(current, { ...init, signal, redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) return response;
      await response.body?.cancel();
      current = new URL(location, current);
    }
  } catch (error) {
    if (error instanceof ModelError || !timeout.aborted) throw error;
    throw new ModelError(
      'FW_ERR_MODEL_NOT_FOUND',
      `the model file ${current.href} did not arrive within ${MODEL_FETCH_TIMEOUT_MS / 1000} s; check the URL and the server`,
      { cause: error },
    );
  }
  throw new ModelError(
    'FW_ERR_MODEL_NOT_FOUND',
    `the model file ${String(url)} redirects more than ${MAX_REDIRECTS} times; give its final URL`,
  );
}

async function checkModelHost(url: URL): Promise<void> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ModelError(
      'FW_ERR_MODEL_NOT_FOUND',
      `refused model URL ${url.href}: only http and https models are fetched`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses =
    isIP(host) !== 0
      ? [host]
      : (await lookup(host, { all: true, verbatim: true }).catch(() => [])).map((a) => a.address);
  for (const address of addresses) {
    const kind = privateAddressKind(address);
    if (kind !== undefined && NEVER.has(kind)) {
      const what = host === address ? host : `${host} (${address})`;
      const is = kind === 'cloud metadata' ? 'the cloud metadata service' : `a ${kind} address`;
      throw new ModelError(
        'FW_ERR_MODEL_NOT_FOUND',
        `refused model URL ${url.href}: ${what} is ${is}, which never serves models`,
      );
    }
  }
}
