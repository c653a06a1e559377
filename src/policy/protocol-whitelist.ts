import type { InputKind } from './input-kind.js';

// ffmpeg opens nested resources (HLS segments and keys, RTP sessions, redirects) with the
// protocols they name; the whitelist is inherited by all of them, so a playlist or a server can
// never make ffmpeg read `file:`, `pipe:` or any protocol outside the list for its kind.
const WHITELISTS: Readonly<Record<InputKind, string>> = {
  // Only the file itself. A local playlist (.m3u8, ffconcat) may still name other local files:
  // whatever lies under a media root is trusted like the root.
  file: 'file',
  // An HLS playlist fetched over http may list https segments and the reverse; `crypto` decrypts
  // AES-128 segments, `tls` and `tcp` carry https and http, `httpproxy` tunnels https through the
  // worker's egress proxy.
  http: 'http,tcp,tls,https,crypto,httpproxy',
  https: 'http,tcp,tls,https,crypto,httpproxy',
  // RTSP negotiates RTP (or SRTP) over UDP, or interleaves it in the TCP control connection.
  rtsp: 'rtsp,rtp,srtp,udp,tcp',
  // As rtsp, with the control connection over TLS.
  rtsps: 'rtsps,rtsp,rtp,srtp,udp,tcp,tls',
  // Plain RTMP runs over a single TCP connection.
  rtmp: 'rtmp,tcp',
};

/**
 * The value of ffmpeg's `-protocol_whitelist` input option for a kind of input: the protocols
 * that kind needs, and nothing that reaches local files or processes (`file:` only for local
 * files). Independent of `allowPrivate`, which only widens the host check.
 *
 * @param kind - The kind of input ffmpeg opens.
 * @returns A comma-separated list of ffmpeg protocol names, e.g. `rtmp,tcp`.
 */
export function protocolWhitelist(kind: InputKind): string {
  return WHITELISTS[kind];
}
