import { snakeName } from './layer-spec.js';

/** Which Keras wrote the model. */
export type KerasVersion = 2 | 3;

/** Keras' automatic layer names: `conv2d`, `conv2d_1`, … per class, in creation order. */
export class Namer {
  private readonly counts = new Map<string, number>();
  private inputs = 0;

  constructor(readonly version: KerasVersion) {}

  /** The next default name of a layer of this class. */
  name(className: string): string {
    const stem = snakeName(className);
    const n = this.counts.get(stem) ?? 0;
    this.counts.set(stem, n + 1);
    return n === 0 ? stem : `${stem}_${n}`;
  }

  /** `keras.Input()`'s name: `input_1`, `input_2` (Keras 2) or `input_layer`, … (Keras 3). */
  input(): string {
    return this.version === 2 ? `input_${++this.inputs}` : this.name('InputLayer');
  }
}
