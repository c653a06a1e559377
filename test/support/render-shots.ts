import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FfmpegError } from '../../src/errors.js';
import { findFfmpeg } from '../../src/decode/find-ffmpeg.js';

/** One shot of a synthetic video: an ffmpeg lavfi source for some seconds. */
export interface Shot {
  /** A lavfi source with its options but without size and rate, e.g. `mandelbrot` or `life=mold=10`. */
  readonly source: string;
  /** Length in seconds. */
  readonly seconds: number;
  /**
   * Size the source renders at, when it differs from the video's (e.g. larger, to pan over).
   * @defaultValue the video's size
   */
  readonly sourceSize?: { readonly width: number; readonly height: number };
  /** A filter chain applied to the shot before it is scaled to the video's size. */
  readonly filters?: string;
}

/** What {@link renderShots} makes. */
export interface RenderShotsOptions {
  /** Output file; its directory is created. */
  readonly out: string;
  /** The shots, joined with hard cuts. */
  readonly shots: readonly Shot[];
  /** Frame width in pixels. */
  readonly width: number;
  /** Frame height in pixels. */
  readonly height: number;
  /** Frames per second. */
  readonly fps: number;
  /**
   * `h264`: H.264 in MP4, as cameras and sites deliver; `png`: lossless PNG frames in Matroska;
   * `vp9`: VP9 in WebM, which every browser plays.
   * @defaultValue 'h264'
   */
  readonly codec?: 'h264' | 'png' | 'vp9';
  /**
   * H.264: cap the bitrate (kbit/s), as a camera or a site's encoder does; noisy lavfi sources
   * otherwise take several times what such video does, and decode that much slower.
   * @defaultValue uncapped (quality-based, CRF 23)
   */
  readonly maxKbps?: number;
}

/**
 * Renders a synthetic video from ffmpeg's lavfi sources cut together, with ffmpeg alone: demo
 * and benchmark inputs are generated, never downloaded.
 */
export async function renderShots(options: RenderShotsOptions): Promise<string> {
  const { out, shots, width, height, fps, codec = 'h264', maxKbps } = options;
  const ffmpeg = await findFfmpeg();
  await mkdir(dirname(out), { recursive: true });
  const inputs = shots.flatMap((shot) => {
    const size = shot.sourceSize ?? { width, height };
    const separator = shot.source.includes('=') ? ':' : '=';
    return [
      '-f',
      'lavfi',
      '-t',
      String(shot.seconds),
      '-i',
      `${shot.source}${separator}size=${size.width}x${size.height}:rate=${fps}`,
    ];
  });
  const chains = shots.map((shot, i) => {
    const filters = shot.filters === undefined ? '' : `${shot.filters},`;
    return `[${i}:v]${filters}scale=${width}:${height},setsar=1,fps=${fps}[s${i}]`;
  });
  const labels = shots.map((_, i) => `[s${i}]`).join('');
  const pixFmt = codec === 'png' ? 'rgb24' : 'yuv420p';
  const filter = `${chains.join(';')};${labels}concat=n=${shots.length}:v=1:a=0,format=${pixFmt}[v]`;
  const encode =
    codec === 'png'
      ? ['-c:v', 'png', '-f', 'matroska']
      : codec === 'vp9'
        ? ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-b:v', '400k', '-f', 'webm']
        : [
            ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-movflags', '+faststart'],
            ...(maxKbps === undefined
              ? []
              : ['-maxrate', `${maxKbps}k`, '-bufsize', `${2 * maxKbps}k`]),
          ];
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...inputs];
  args.push('-filter_complex', filter, '-map', '[v]', ...encode, out);
  await run(ffmpeg.path, args);
  return out;
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new FfmpegError(
            'FW_ERR_FFMPEG_FAILED',
            `ffmpeg could not render the video: ${stderr.trim()}`,
          ),
        );
    });
  });
}
