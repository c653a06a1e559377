import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError } from '../../errors.js';

/** File name of framewise's optional metadata beside `model.json`. */
export const FRAMEWISE_JSON = 'framewise.json';

/** Order of the colour channels the model expects. */
export type ChannelOrder = 'rgb' | 'bgr';

/**
 * How raw 8-bit pixels become the model's input: `x = (pixel × scale + offset − mean[c]) /
 * std[c]` for channel c, in `channelOrder`.
 */
export interface Preprocessing {
  /**
   * Multiplier applied to each 8-bit pixel value.
   * @defaultValue 1/255
   */
  readonly scale: number;
  /**
   * Added after scaling.
   * @defaultValue 0
   */
  readonly offset: number;
  /**
   * Channel order of 3-channel input (1-channel models take grey levels).
   * @defaultValue 'rgb'
   */
  readonly channelOrder: ChannelOrder;
  /**
   * Subtracted per channel after scaling, one value per channel in `channelOrder`.
   * @defaultValue none (0)
   */
  readonly mean?: readonly number[];
  /**
   * Divided by per channel after the mean, one value per channel in `channelOrder`.
   * @defaultValue none (1)
   */
  readonly std?: readonly number[];
}

/**
 * The preprocessing the Keras applications' `preprocess_input` applies, by its `mode`: "tf"
 * (MobileNet, Inception, Xception: −1 to 1), "torch" (DenseNet: 0 to 1 then ImageNet mean and
 * standard deviation), "caffe" (ResNet, VGG: BGR, minus the ImageNet means).
 */
export const PREPROCESSING_PRESETS = {
  tf: { scale: 1 / 127.5, offset: -1, channelOrder: 'rgb' },
  torch: {
    scale: 1 / 255,
    offset: 0,
    channelOrder: 'rgb',
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  },
  caffe: { scale: 1, offset: 0, channelOrder: 'bgr', mean: [103.939, 116.779, 123.68] },
} as const satisfies Record<string, Preprocessing>;

/** A name of {@link PREPROCESSING_PRESETS}. */
export type PreprocessingPreset = keyof typeof PREPROCESSING_PRESETS;

/** The contents of `framewise.json`, every field optional. */
export interface FramewiseConfig {
  /** Class names, in the order of the model's output units. */
  readonly classNames?: readonly string[];
  /** Input preprocessing; missing fields take the defaults of {@link Preprocessing}. */
  readonly input?: Partial<Preprocessing>;
  /** Frames per window the model was trained with, when its input has no fixed time dimension. */
  readonly window?: number;
  /** Frames per second the model was trained at (informational; `--fps` sets the sampling). */
  readonly fps?: number;
}

/** The default preprocessing: RGB, pixel values divided by 255. */
export const DEFAULT_PREPROCESSING: Preprocessing = {
  scale: 1 / 255,
  offset: 0,
  channelOrder: 'rgb',
};

/**
 * Reads `framewise.json` from a model directory; a missing file gives `{}`. Each field is
 * checked and a bad one fails naming the field, the rule and the value.
 */
export async function readFramewiseConfig(dir: string): Promise<FramewiseConfig> {
  const raw = await readFramewiseJson(dir);
  return raw === undefined ? {} : parseFramewiseConfig(raw, join(dir, FRAMEWISE_JSON));
}

/** The parsed JSON of a model directory's `framewise.json`, or undefined when it has none. */
export async function readFramewiseJson(dir: string): Promise<unknown> {
  const path = join(dir, FRAMEWISE_JSON);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalid(path, `is not valid JSON (${String(error)})`);
  }
}

/** Checks a parsed `framewise.json` object; `where` names it in error messages. */
export function parseFramewiseConfig(raw: unknown, where: string): FramewiseConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid(where, `must hold a JSON object, got ${JSON.stringify(raw)}`);
  }
  const obj = raw as Record<string, unknown>;
  const config: {
    classNames?: string[];
    input?: Partial<Preprocessing>;
    window?: number;
    fps?: number;
  } = {};
  if (obj.classNames !== undefined) {
    const names = obj.classNames;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
      throw invalid(where, `classNames must be an array of strings, got ${JSON.stringify(names)}`);
    }
    config.classNames = names as string[];
  }
  if (obj.input !== undefined) config.input = parseInput(obj.input, where);
  if (obj.window !== undefined) {
    if (!Number.isInteger(obj.window) || (obj.window as number) < 1) {
      throw invalid(where, `window must be an integer >= 1, got ${JSON.stringify(obj.window)}`);
    }
    config.window = obj.window as number;
  }
  if (obj.fps !== undefined) {
    if (typeof obj.fps !== 'number' || !(obj.fps > 0)) {
      throw invalid(where, `fps must be a number > 0, got ${JSON.stringify(obj.fps)}`);
    }
    config.fps = obj.fps;
  }
  return config;
}

/**
 * `input`: a preset's values (`"preset": "tf"`), then the fields given, each overriding the
 * preset's.
 */
function parseInput(input: unknown, where: string): Partial<Preprocessing> {
  if (typeof input !== 'object' || input === null) {
    throw invalid(where, `input must be an object, got ${JSON.stringify(input)}`);
  }
  const { scale, offset, channelOrder, mean, std, preset } = input as Record<string, unknown>;
  const out: {
    scale?: number;
    offset?: number;
    channelOrder?: ChannelOrder;
    mean?: readonly number[];
    std?: readonly number[];
  } = {};
  if (preset !== undefined) {
    if (typeof preset !== 'string' || !Object.hasOwn(PREPROCESSING_PRESETS, preset)) {
      throw invalid(
        where,
        `input.preset must be one of ${Object.keys(PREPROCESSING_PRESETS).join(', ')}, got ${JSON.stringify(preset)}`,
      );
    }
    Object.assign(out, PREPROCESSING_PRESETS[preset as PreprocessingPreset]);
  }
  if (mean !== undefined) out.mean = perChannel(mean, 'mean', where, () => true);
  if (std !== undefined) out.std = perChannel(std, 'std', where, (v) => v > 0);
  if (scale !== undefined) {
    if (typeof scale !== 'number' || !Number.isFinite(scale)) {
      throw invalid(where, `input.scale must be a finite number, got ${JSON.stringify(scale)}`);
    }
    out.scale = scale;
  }
  if (offset !== undefined) {
    if (typeof offset !== 'number' || !Number.isFinite(offset)) {
      throw invalid(where, `input.offset must be a finite number, got ${JSON.stringify(offset)}`);
    }
    out.offset = offset;
  }
  if (channelOrder !== undefined) {
    if (channelOrder !== 'rgb' && channelOrder !== 'bgr') {
      throw invalid(
        where,
        `input.channelOrder must be "rgb" or "bgr", got ${JSON.stringify(channelOrder)}`,
      );
    }
    out.channelOrder = channelOrder;
  }
  return out;
}

/** A list of one or three finite numbers, each passing `ok`. */
function perChannel(
  value: unknown,
  name: string,
  where: string,
  ok: (v: number) => boolean,
): number[] {
  const valid =
    Array.isArray(value) &&
    (value.length === 1 || value.length === 3) &&
    value.every((v) => typeof v === 'number' && Number.isFinite(v) && ok(v));
  if (!valid) {
    throw invalid(
      where,
      `input.${name} must be a list of 1 or 3 finite numbers (one per channel${name === 'std' ? ', each > 0' : ''}), got ${JSON.stringify(value)}`,
    );
  }
  return value as number[];
}

/** Refuses the `framewise.json` at `where`, saying what is wrong with it. */
export function invalid(where: string, what: string): ModelError {
  return new ModelError('FW_ERR_MODEL_INVALID', `${where}: ${what}`);
}
