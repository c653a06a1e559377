import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError } from '../../errors.js';

/** File name of framewise's optional metadata beside `model.json`. */
export const FRAMEWISE_JSON = 'framewise.json';

/** Order of the colour channels the model expects. */
export type ChannelOrder = 'rgb' | 'bgr';

/** How raw 8-bit pixels become the model's input: `x = pixel * scale + offset`. */
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
}

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
  const path = join(dir, FRAMEWISE_JSON);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw invalid(path, `is not valid JSON (${String(error)})`);
  }
  return parseFramewiseConfig(raw, path);
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

function parseInput(input: unknown, where: string): Partial<Preprocessing> {
  if (typeof input !== 'object' || input === null) {
    throw invalid(where, `input must be an object, got ${JSON.stringify(input)}`);
  }
  const { scale, offset, channelOrder } = input as Record<string, unknown>;
  const out: { scale?: number; offset?: number; channelOrder?: ChannelOrder } = {};
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

function invalid(where: string, what: string): ModelError {
  return new ModelError('FW_ERR_MODEL_INVALID', `${where}: ${what}`);
}
