/**
 * The kinds of input the URL policy admits: a local file, or a network URL with one of these
 * schemes. Each kind has its own ffmpeg protocol whitelist (see `protocolWhitelist`).
 */
export type InputKind = 'file' | 'http' | 'https' | 'rtsp' | 'rtsps' | 'rtmp';
