/** What ffmpeg's input header on stderr says about the input. Fields it did not print are absent. */
export interface SourceInfo {
  /** Demuxer name(s) as ffmpeg prints them, e.g. `matroska,webm` or `mov,mp4,m4a,3gp,3g2,mj2`. */
  readonly format?: string;
  /** Length of the input, in seconds; absent for live streams (`Duration: N/A`). */
  readonly durationSec?: number;
  /** Timestamp of the input's first packet, in seconds (framewise's `t` is relative to it). */
  readonly startSec?: number;
  /** Codec of the decoded video stream, e.g. `h264`, `png`. */
  readonly codec?: string;
  /** Width of the video stream before scaling, in pixels. */
  readonly width?: number;
  /** Height of the video stream before scaling, in pixels. */
  readonly height?: number;
  /** Frame rate of the video stream, in frames per second (`fps`, else `tbr`). */
  readonly fps?: number;
}

const INPUT_LINE = /^Input #0, (.+), from '/;
const DURATION_LINE = /^\s*Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/;
const START_FIELD = /\bstart: (-?\d+(?:\.\d+)?)/;
const VIDEO_STREAM_LINE = /^\s*Stream #0:\d+\S*: Video: (.*)$/;
const SIZE_FIELD = /^(\d+)x(\d+)\b/;
const RATE_FIELD = /^(\d+(?:\.\d+)?)(k?) (fps|tbr)$/;

/**
 * Reads ffmpeg's stderr lines until the end of the input header (`Stream mapping:` or
 * `Output #0`) and collects {@link SourceInfo} from the `Input #0` section: the format, the
 * `Duration:` line and the first video stream's line, e.g.
 * `Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 160x120 [SAR 1:1 DAR 4:3], 25 fps, 25 tbr, 12800 tbn`.
 */
export class SourceInfoParser {
  private fields: { -readonly [K in keyof SourceInfo]: SourceInfo[K] } = {};
  private section: 'before' | 'input' | 'done' = 'before';
  private videoSeen = false;

  /** True once the whole input header has been read. */
  get complete(): boolean {
    return this.section === 'done';
  }

  /** True once the `Input #0` line has been read: ffmpeg opened and probed the input. */
  get opened(): boolean {
    return this.section !== 'before';
  }

  /** What has been parsed so far. */
  get info(): SourceInfo {
    return { ...this.fields };
  }

  /** Takes one stderr line; lines after the header are ignored. */
  push(line: string): void {
    if (this.section === 'done') return;
    if (line.startsWith('Stream mapping:') || line.startsWith('Output #')) {
      this.section = 'done';
      return;
    }
    const input = INPUT_LINE.exec(line);
    if (input !== null) {
      this.section = 'input';
      this.fields.format = input[1];
      return;
    }
    if (this.section !== 'input') return;
    if (line.startsWith('Input #')) {
      // A second input (none in framewise's commands) ends the one that matters.
      this.section = 'done';
      return;
    }
    this.parseDuration(line);
    this.parseVideoStream(line);
  }

  private parseDuration(line: string): void {
    const duration = DURATION_LINE.exec(line);
    if (duration !== null) {
      const [, h, m, s] = duration;
      this.fields.durationSec = Number(h) * 3600 + Number(m) * 60 + Number(s);
    }
    if (/^\s*Duration: /.test(line)) {
      const start = START_FIELD.exec(line);
      if (start !== null) this.fields.startSec = Number(start[1]);
    }
  }

  private parseVideoStream(line: string): void {
    if (this.videoSeen) return;
    const stream = VIDEO_STREAM_LINE.exec(line);
    if (stream === null) return;
    this.videoSeen = true;
    const fields = splitTopLevel(stream[1] ?? '');
    this.fields.codec = (fields[0] ?? '').split(' ', 1)[0] || undefined;
    let tbr: number | undefined;
    for (const field of fields) {
      const size = SIZE_FIELD.exec(field);
      if (size !== null && this.fields.width === undefined) {
        this.fields.width = Number(size[1]);
        this.fields.height = Number(size[2]);
      }
      const rate = RATE_FIELD.exec(field);
      if (rate !== null) {
        const value = Number(rate[1]) * (rate[2] === 'k' ? 1000 : 1);
        if (rate[3] === 'fps') this.fields.fps = value;
        else tbr = value;
      }
    }
    if (this.fields.fps === undefined && tbr !== undefined) this.fields.fps = tbr;
  }
}

/** Splits `a (x, y), b, c` on the commas outside parentheses and brackets. */
function splitTopLevel(text: string): string[] {
  const fields: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      fields.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  fields.push(text.slice(start).trim());
  return fields;
}
