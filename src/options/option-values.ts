import { UsageError } from '../errors.js';

/** Raw option values (from flags, environment variables or a job payload). */
export type RawOptions = Readonly<Record<string, string | boolean | number | undefined>>;

/** An integer option >= `min`, or undefined when absent. */
export function optionalInteger(raw: RawOptions, name: string, min: number): number | undefined {
  const value = raw[name];
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (
    typeof value === 'boolean' ||
    String(value).trim() === '' ||
    !Number.isInteger(n) ||
    n < min
  ) {
    throw new UsageError(`${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A finite number option within a bound, or undefined when absent. */
export function optionalNumber(
  raw: RawOptions,
  name: string,
  bound: { min: number; exclusive: boolean },
): number | undefined {
  const value = raw[name];
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  const inRange = bound.exclusive ? n > bound.min : n >= bound.min;
  if (
    typeof value === 'boolean' ||
    String(value).trim() === '' ||
    !Number.isFinite(n) ||
    !inRange
  ) {
    const rule = `${bound.exclusive ? '>' : '>='} ${bound.min}`;
    throw new UsageError(`${name} must be a number ${rule}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** One of `allowed`, or undefined when absent. */
export function oneOf<T extends string>(
  raw: RawOptions,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = raw[name];
  if (value === undefined) return undefined;
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw new UsageError(
      `${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}
