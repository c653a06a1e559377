/**
 * Keras' GRU with `reset_after=True`, in plain float64 JavaScript, written from the equations
 * in Keras' documentation of `keras.layers.GRU` / `GRUCell` (not from framewise's layer):
 * kernel columns and bias entries in gate order z (update), r (reset), h (candidate); bias
 * row 0 belongs to the input projection, row 1 to the recurrent one;
 *   z  = sigmoid(x Wz + bz + h Uz + b'z)
 *   r  = sigmoid(x Wr + br + h Ur + b'r)
 *   hh = tanh(x Wh + bh + r * (h Uh + b'h))
 *   h  = z * h + (1 - z) * hh
 */

/** A GRU's weights as Keras stores them, row-major. */
export interface GruWeights {
  /** `[inputSize, 3·units]`. */
  readonly kernel: ArrayLike<number>;
  /** `[units, 3·units]`. */
  readonly recurrentKernel: ArrayLike<number>;
  /** `[2, 3·units]`: input bias, then recurrent bias. */
  readonly bias: ArrayLike<number>;
  readonly inputSize: number;
  readonly units: number;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** One step: the next state from input `x` and state `h`. */
export function gruStep(w: GruWeights, x: ArrayLike<number>, h: readonly number[]): number[] {
  const u = w.units;
  const column = (j: number) => {
    let fromInput = w.bias[j]!;
    for (let i = 0; i < w.inputSize; i++) fromInput += x[i]! * w.kernel[i * 3 * u + j]!;
    let fromState = w.bias[3 * u + j]!;
    for (let i = 0; i < u; i++) fromState += h[i]! * w.recurrentKernel[i * 3 * u + j]!;
    return [fromInput, fromState] as const;
  };
  const next: number[] = [];
  for (let k = 0; k < u; k++) {
    const [xz, hz] = column(k);
    const [xr, hr] = column(u + k);
    const [xh, hh] = column(2 * u + k);
    const z = sigmoid(xz + hz);
    const r = sigmoid(xr + hr);
    const candidate = Math.tanh(xh + r * hh);
    next.push(z * h[k]! + (1 - z) * candidate);
  }
  return next;
}

/** Runs the GRU over `steps` inputs (each `inputSize` long) from a zero state; every state. */
export function gruSequence(w: GruWeights, steps: readonly ArrayLike<number>[]): number[][] {
  const states: number[][] = [];
  let h: number[] = Array.from({ length: w.units }, () => 0);
  for (const x of steps) {
    h = gruStep(w, x, h);
    states.push(h);
  }
  return states;
}

/** `softmax(x · kernel + bias)` for a Dense layer of `[inputSize, classes]`, in float64. */
export function denseSoftmax(
  x: readonly number[],
  kernel: ArrayLike<number>,
  bias: ArrayLike<number>,
): number[] {
  const classes = bias.length;
  const logits = Array.from({ length: classes }, (_, c) => {
    let sum = bias[c]!;
    for (let i = 0; i < x.length; i++) sum += x[i]! * kernel[i * classes + c]!;
    return sum;
  });
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}
