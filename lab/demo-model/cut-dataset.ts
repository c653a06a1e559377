import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderShots, type Shot } from '../../test/support/render-shots.js';
import { LABELS_CSV } from '../../src/train/annotations.js';
import { SeededRandom } from '../../src/train/seeded-random.js';

/**
 * What synthetic shots can show: a lavfi source by name, or one of two procedural textures
 * made from lavfi sources and filters, each shot with its own seeded parameters:
 * - `plasma`: sums of sines in each colour channel (`nullsrc` and `geq`), smooth colour waves;
 * - `grain-blobs`: seeded static noise blurred into blobs of one size, contrast raised, with
 *   a seeded colour cast.
 */
export type ShotSource =
  | 'plasma'
  | 'grain-blobs'
  | 'testsrc'
  | 'testsrc2'
  | 'mandelbrot'
  | 'life'
  | 'cellauto'
  | 'rgbtestsrc'
  | 'yuvtestsrc'
  | 'smptebars'
  | 'smptehdbars'
  | 'pal75bars'
  | 'pal100bars'
  | 'color'
  | 'mptestsrc';

/** Within-shot changes that must not be taken for cuts. */
export interface ShotVariation {
  /** Largest camera pan speed, in radians per second of the sine path over the frame. */
  readonly panSpeed: number;
  /** Largest hue drift, in degrees per second. */
  readonly hueDrift: number;
  /** Noise strength range (ffmpeg `noise` `alls`, 0–100). */
  readonly noise: readonly [number, number];
  /**
   * Ranges of a shot's contrast, brightness and saturation (ffmpeg `eq`: 1, 0 and 1 leave it
   * as it is), one value each per shot.
   * @defaultValue none: the source's own tones
   */
  readonly tone?: {
    readonly contrast: readonly [number, number];
    readonly brightness: readonly [number, number];
    readonly saturation: readonly [number, number];
  };
}

/** What {@link makeCutDataset} renders. */
export interface CutDatasetOptions {
  /** Output directory: videos plus `labels.csv`. */
  readonly dir: string;
  /** Number of videos. */
  readonly videos: number;
  /** Seed: the same seed and options give the same dataset. */
  readonly seed: number;
  /** Sources shots are drawn from. */
  readonly sources: readonly ShotSource[];
  /** Within-shot motion, colour drift and noise. */
  readonly variation: ShotVariation;
  /** Frames per second of the videos. */
  readonly fps: number;
  /** Frames per window the annotations are made for: the windows that contain a cut. */
  readonly window: number;
  /** Shots per video, inclusive range. */
  readonly shots: readonly [number, number];
  /** Frames per shot, inclusive range. */
  readonly shotFrames: readonly [number, number];
  /** Video width in pixels. @defaultValue 320 */
  readonly width?: number;
  /** Video height in pixels. @defaultValue 240 */
  readonly height?: number;
}

/** Name of the file listing each shot's start and lavfi source, for analysing errors. */
export const SHOTS_CSV = 'shots.csv';
/** Label of windows that contain a hard cut. */
export const CUT = 'cut';
/** Label of windows within one shot. */
export const SAME_SHOT = 'same shot';

/**
 * Renders synthetic videos of lavfi shots joined by hard cuts, with camera motion, colour
 * drift and noise inside shots, and writes `labels.csv` (`video,start,end,label`): `cut` for the
 * times at which a window of `window` frames ending there contains the cut, `same shot`
 * elsewhere; and `shots.csv` (`video,start,source`).
 * @returns the cut times per video, in seconds.
 */
export async function makeCutDataset(options: CutDatasetOptions): Promise<Map<string, number[]>> {
  const random = new SeededRandom(options.seed);
  const rows = ['video,start,end,label'];
  const shotRows = ['video,start,source'];
  const cuts = new Map<string, number[]>();
  for (let v = 0; v < options.videos; v++) {
    const name = `video-${String(v).padStart(3, '0')}.mp4`;
    const frames = Array.from({ length: random.integer(...options.shots) }, () =>
      random.integer(...options.shotFrames),
    );
    const shots = frames.map((n) => makeShot(random, options, n / options.fps));
    let at = 0;
    for (const [i, shot] of shots.entries()) {
      shotRows.push(`${name},${(at / options.fps).toFixed(6)},"${shot.source}"`);
      at += frames[i]!;
    }
    await renderShots({
      out: join(options.dir, name),
      shots,
      width: options.width ?? 320,
      height: options.height ?? 240,
      fps: options.fps,
    });
    const videoCuts = annotate(rows, name, frames, options.fps, options.window);
    cuts.set(name, videoCuts);
  }
  await writeFile(join(options.dir, LABELS_CSV), `${rows.join('\n')}\n`);
  await writeFile(join(options.dir, SHOTS_CSV), `${shotRows.join('\n')}\n`);
  return cuts;
}

/** Appends the video's segments to `rows`; returns its cut times. */
function annotate(
  rows: string[],
  video: string,
  shotFrames: readonly number[],
  fps: number,
  window: number,
): number[] {
  const cuts: number[] = [];
  let frame = 0;
  let sameFrom = 0;
  const time = (f: number) => (f / fps).toFixed(6);
  for (const [i, n] of shotFrames.entries()) {
    if (i > 0) {
      // Windows ending on frames frame … frame + window - 2 hold the last frame before the cut
      // and the first after it.
      rows.push(`${video},${time(sameFrom)},${time(frame)},${SAME_SHOT}`);
      rows.push(`${video},${time(frame)},${time(frame + window - 1)},${CUT}`);
      cuts.push(frame / fps);
      sameFrom = frame + window - 1;
    }
    frame += n;
  }
  rows.push(`${video},${time(sameFrom)},${time(frame)},${SAME_SHOT}`);
  return cuts;
}

function makeShot(random: SeededRandom, options: CutDatasetOptions, seconds: number): Shot {
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  // Rendered larger than the frame so that the camera can pan over it.
  const margin = { x: Math.round(width * 0.25), y: Math.round(height * 0.25) };
  const { panSpeed, hueDrift, noise } = options.variation;
  const speed = random.between(0, panSpeed);
  const phase = random.between(0, 6.28);
  const pan =
    `crop=${width}:${height}:x='${margin.x / 2}+${margin.x / 2}*sin(t*${speed.toFixed(3)}+${phase.toFixed(2)})'` +
    `:y='${margin.y / 2}+${margin.y / 2}*cos(t*${(speed * 0.7).toFixed(3)}+${phase.toFixed(2)})'`;
  const hue = `hue=h='${random.between(0, 360).toFixed(0)}+${random.between(-hueDrift, hueDrift).toFixed(1)}*t'`;
  const grain = `noise=alls=${random.integer(...noise)}:allf=t`;
  const { source, texture } = sourceWithOptions(random, random.pick(options.sources));
  const { tone } = options.variation;
  const eq =
    tone === undefined
      ? ''
      : `,eq=contrast=${random.between(...tone.contrast).toFixed(3)}` +
        `:brightness=${random.between(...tone.brightness).toFixed(3)}` +
        `:saturation=${random.between(...tone.saturation).toFixed(3)}`;
  return {
    source,
    seconds,
    sourceSize: { width: width + margin.x, height: height + margin.y },
    filters: `${texture === undefined ? '' : `${texture},`}${pan},${hue}${eq},${grain}`,
  };
}

/** A lavfi source with seeded options, and the filters that make a procedural texture of it. */
function sourceWithOptions(
  random: SeededRandom,
  kind: ShotSource,
): { source: string; texture?: string } {
  switch (kind) {
    case 'plasma':
      return { source: 'nullsrc', texture: plasma(random) };
    case 'grain-blobs': {
      // Noise on mid-grey (so that contrast cannot clip it flat), blurred into blobs; contrast
      // brings them back out of the average, then a seeded colour cast.
      const cast = () => random.between(-0.5, 0.5).toFixed(2);
      return {
        source: 'color=c=gray',
        texture:
          `noise=alls=100:all_seed=${random.integer(0, 1e6)},boxblur=${random.integer(1, 12)}:2,` +
          `eq=contrast=${random.between(3, 8).toFixed(1)}:saturation=${random.between(1, 3).toFixed(1)},` +
          `colorbalance=rm=${cast()}:gm=${cast()}:bm=${cast()}`,
      };
    }
    default:
      return { source: lavfiSource(random, kind) };
  }
}

/**
 * `geq` over RGB planes: per channel, the product of two sine waves of seeded direction,
 * wavelength (15–200 pixels), drift and phase.
 */
function plasma(random: SeededRandom): string {
  const wave = () => {
    const cyclesPerPixel = 1 / random.between(15, 200);
    const angle = random.between(0, Math.PI);
    const fx = (cyclesPerPixel * Math.cos(angle)).toFixed(5);
    const fy = (cyclesPerPixel * Math.sin(angle)).toFixed(5);
    return `sin(2*PI*(X*${fx}+Y*${fy})+T*${random.between(-2, 2).toFixed(2)}+${random.between(0, 6.28).toFixed(2)})`;
  };
  const channel = () => `'128+127*${wave()}*${wave()}'`;
  return `format=gbrp,geq=r=${channel()}:g=${channel()}:b=${channel()}`;
}

function lavfiSource(random: SeededRandom, source: ShotSource): string {
  switch (source) {
    case 'color':
      return `color=c=0x${random.colour()}`;
    case 'life':
      return `life=seed=${random.integer(0, 1e6)}:ratio=${random.between(0.1, 0.6).toFixed(2)}:mold=${random.integer(0, 30)}:life_color=#${random.colour()}:death_color=#${random.colour()}:mold_color=#${random.colour()}`;
    case 'cellauto':
      return `cellauto=rule=${random.pick([18, 30, 90, 110, 150])}:random_seed=${random.integer(0, 1e6)}:ratio=${random.between(0.2, 0.8).toFixed(2)}`;
    case 'mandelbrot':
      return `mandelbrot=start_scale=${random.between(1, 4).toFixed(2)}:end_scale=${random.between(0.05, 0.5).toFixed(2)}`;
    default:
      return source;
  }
}
