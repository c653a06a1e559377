import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { InputError, UrlRefusedError } from '../errors.js';
import { checkUrlHost, type HostLookup } from './check-url-host.js';
import { confineToMediaRoots } from './confine-to-media-roots.js';
import type { InputKind } from './input-kind.js';
import { resolveInput } from './input-location.js';
import { protocolWhitelist } from './protocol-whitelist.js';
import { redactUrl } from './redact-url.js';

// Callers of checkInput log and report the inputs they check; they get the redaction from here.
export { redactUrl };

/** Which inputs a job may read: applied at enqueue and again by the worker before ffmpeg runs. */
export interface UrlPolicy {
  /**
   * Directories local files must lie under (relative ones resolved against the `cwd` of
   * {@link checkInput}). Empty: local files are refused.
   */
  readonly mediaRoots: readonly string[];
  /**
   * Allow loopback, private, link-local, CGNAT, unique-local and cloud-metadata hosts (host
   * names are then not resolved at all). Only widens the host check: schemes and protocol
   * whitelists stay the same.
   * @defaultValue false
   */
  readonly allowPrivate: boolean;
  /**
   * Resolves host names to all their addresses; injectable for tests.
   * @defaultValue `dns.promises.lookup` with `{ all: true, verbatim: true }`
   */
  readonly lookup?: HostLookup;
}

/** An input the policy admitted, and how ffmpeg must open it. */
export interface CheckedInput {
  /** The input as it should be stored in the job: an absolute path, or the normalised URL. */
  readonly input: string;
  /** What ffmpeg gets after `-i`: `file:<real path>` or the normalised URL. */
  readonly ffmpegInput: string;
  /** Extra ffmpeg input args, before `-i`: `-protocol_whitelist <list>` for the kind. */
  readonly inputArgs: readonly string[];
  /** What kind of source this is. */
  readonly kind: InputKind;
}

const NETWORK_KINDS: ReadonlyMap<string, Exclude<InputKind, 'file'>> = new Map([
  ['http', 'http'],
  ['https', 'https'],
  ['rtsp', 'rtsp'],
  ['rtsps', 'rtsps'],
  ['rtmp', 'rtmp'],
]);

/**
 * Longest input accepted, in characters: far above any real path or signed URL (a presigned S3
 * URL is about 1,500), far below what would make every step that reads it costly.
 */
export const MAX_INPUT_LENGTH = 8192;

const ALLOWED = 'use an http, https, rtsp, rtsps or rtmp URL, or a local file under a media root';
// C0 and C1 control characters: NUL cuts the string ffmpeg sees, line breaks forge log lines,
// and WHATWG URL silently drops tabs and newlines.
const CONTROL = /\p{Cc}/u;

const lookupAll: HostLookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * Checks an input (a local path or a URL) against the URL policy before it is queued or handed
 * to ffmpeg, and says how ffmpeg must open it. Refused: empty inputs, inputs longer than
 * {@link MAX_INPUT_LENGTH}, inputs starting with `-`
 * (ffmpeg would take them for options), control characters, schemes other than http, https,
 * rtsp, rtsps, rtmp and file (ffmpeg's `concat:`, `subfile:`, `pipe:`, `data:`, `hls+http:`…
 * can read local files or processes), local files outside every media root (after resolving
 * symlinks), and network hosts that are or resolve to non-public addresses unless
 * `allowPrivate`.
 *
 * ffmpeg gets the URL as WHATWG serialises it, so ffmpeg's own URL parser sees the same host
 * that was checked; it gets a local file by its real path, so a symlink swapped after the check
 * does not change the file read. This checks the first host; the worker's egress proxy checks
 * every later http(s) connection (redirects, playlists, DNS rebinding; see `checkUrlHost`), and
 * the protocol whitelist in `inputArgs` keeps them all on network protocols.
 *
 * @param input - A path (relative ones resolved against `cwd`), a `file://` URL or a URL.
 * @param policy - Media roots, whether private hosts are allowed, and the DNS lookup.
 * @param cwd - Directory relative paths and media roots are resolved against.
 *   @defaultValue `process.cwd()`
 * @returns The input to store, the ffmpeg input and its extra input args, and the kind.
 * @throws {@link UrlRefusedError} `FW_ERR_URL_REFUSED` when the policy refuses the input.
 * @throws {@link InputError} `FW_ERR_INPUT_NOT_FOUND` for a missing file under a media root.
 * @throws {@link NetworkError} when a host name cannot be resolved (transient).
 * @throws {@link UsageError} when a media root does not exist.
 */
export async function checkInput(
  input: string,
  policy: UrlPolicy,
  cwd: string = process.cwd(),
): Promise<CheckedInput> {
  refuseMalformed(input);
  const location = locate(input);
  if (location.path === undefined) return checkUrl(input, location.protocol ?? '', policy);
  // resolveInput resolves plain paths against process.cwd(); here the caller's cwd counts.
  const path = /^file:/i.test(input) ? location.path : resolve(cwd, input);
  refuseMalformed(path);
  const real = await confineToMediaRoots(path, policy.mediaRoots, cwd, redactUrl(input));
  return {
    input: path,
    ffmpegInput: resolveInput(real).ffmpegInput,
    inputArgs: ['-protocol_whitelist', protocolWhitelist('file')],
    kind: 'file',
  };
}

function refuseMalformed(input: string): void {
  if (input.length > MAX_INPUT_LENGTH) {
    throw new UrlRefusedError(
      `refused input of ${input.length} characters (${redactUrl(input.slice(0, 60))}…): inputs are at most ${MAX_INPUT_LENGTH} characters long`,
    );
  }
  if (input === '') {
    throw new UrlRefusedError(`refused input "": it is empty; ${ALLOWED}`);
  }
  if (input.startsWith('-')) {
    throw new UrlRefusedError(
      `refused input ${redactUrl(input)}: it starts with "-", which ffmpeg would read as an option; give a URL, or a path (./${input} for a relative one)`,
    );
  }
  if (CONTROL.test(input)) {
    throw new UrlRefusedError(
      `refused input ${JSON.stringify(redactUrl(input))}: it contains control characters; remove them`,
    );
  }
}

function locate(input: string): ReturnType<typeof resolveInput> {
  try {
    return resolveInput(input);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new UrlRefusedError(
      `refused URL ${redactUrl(input)}: a file: URL must name a path on this machine (file:///absolute/path); ${ALLOWED}`,
      { cause: error },
    );
  }
}

async function checkUrl(input: string, scheme: string, policy: UrlPolicy): Promise<CheckedInput> {
  const shown = redactUrl(input);
  const kind = NETWORK_KINDS.get(scheme);
  if (kind === undefined) throw refusedScheme(scheme, input, shown);
  let url: URL;
  try {
    url = new URL(input);
  } catch (error) {
    throw new UrlRefusedError(`refused URL ${shown}: it is not a valid URL; check its syntax`, {
      cause: error,
    });
  }
  const addresses = await checkUrlHost(
    url,
    { allowPrivate: policy.allowPrivate, lookup: policy.lookup ?? lookupAll },
    shown,
  );
  const inputArgs = ['-protocol_whitelist', protocolWhitelist(kind)];
  // http(s) goes through the worker's egress proxy. RTSP and RTMP connect by themselves: to
  // the address checked here, not to a second DNS answer; RTSP over TCP only, so that the
  // server's Transport reply cannot send ffmpeg to another address.
  const pinned = (kind === 'rtsp' || kind === 'rtmp') && addresses !== undefined;
  if (kind === 'rtsp' && addresses !== undefined) inputArgs.push('-rtsp_transport', 'tcp');
  return {
    input: url.href,
    ffmpegInput: pinned ? withHost(url, addresses[0]!) : url.href,
    inputArgs,
    kind,
  };
}

/** `url` with its host replaced by `address` (port, path and credentials kept). */
function withHost(url: URL, address: string): string {
  const pinned = new URL(url.href);
  pinned.hostname = isIP(address) === 6 ? `[${address}]` : address;
  return pinned.href;
}

function refusedScheme(scheme: string, input: string, shown: string): UrlRefusedError {
  // ffmpeg's hls+http: only forces the HLS demuxer, which ffmpeg picks for playlists anyway.
  const plain = /^hls\+(https?:.*)$/is.exec(input)?.[1];
  if (plain !== undefined) {
    return new UrlRefusedError(
      `refused URL ${shown}: the ${scheme}: scheme is not allowed; use the plain URL ${redactUrl(plain)}`,
    );
  }
  return new UrlRefusedError(
    `refused URL ${shown}: the ${scheme}: scheme is not allowed; ${ALLOWED}`,
  );
}
