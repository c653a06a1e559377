import { number } from './option.js';

/** Longest part accepted, in seconds (as `--duration`). */
const MAX_PART_SEC = 10_000_000;

/** `--split`: a file job labeled in parts by any workers at once. A job payload field. */
export const SPLIT_OPTION = {
  splitSec: number('split', {
    min: 1,
    max: MAX_PART_SEC,
    valueName: '<sec>',
    help: 'label the file in parts of this many seconds, each a job any worker takes; the labels are the same (window mode, whole files only)',
    defaultText: 'not split',
    field: 'split',
  }),
};

/** `--split-over`: a worker splits file jobs longer than this on its own. */
export const SPLIT_OVER_OPTION = {
  splitOverSec: number('split-over', {
    min: 0,
    max: MAX_PART_SEC,
    default: 0,
    valueName: '<sec>',
    help: 'split file jobs longer than this into parts of this length, as --split does (window mode, whole files)',
    defaultText: '0: off',
  }),
};
