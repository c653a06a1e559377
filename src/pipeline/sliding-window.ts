import { Observable, type OperatorFunction } from 'rxjs';

/**
 * Emits windows of `size` consecutive source items: the first window ends at item `size - 1`,
 * then one window every `stride` items, so windows end at items `size - 1`,
 * `size - 1 + stride`, `size - 1 + 2 * stride`, …
 *
 * - With `stride < size` consecutive windows overlap by `size - stride` items; with
 *   `stride > size` the `stride - size` items between two windows are skipped and never held.
 * - A partial window at completion is **not** emitted: the model needs exactly `size` frames,
 *   so the trailing items that do not fill a window are dropped.
 * - Each emitted array is a fresh array of length `size`, oldest item first; it is safe to keep
 *   and to mutate.
 * - Errors pass through at once; the pending items are discarded.
 * - Memory: holds at most `size` items, and releases them on completion, error or
 *   unsubscription.
 *
 * ## Example
 * ```ts
 * import { range } from 'rxjs';
 * range(0, 7).pipe(slidingWindow(3, 2)).subscribe((w) => console.log(w));
 * // [0, 1, 2]
 * // [2, 3, 4]
 * // [4, 5, 6]
 * ```
 *
 * @param size - Items per window; an integer >= 1.
 * @param stride - Items from one window's end to the next window's end; an integer >= 1.
 *   @defaultValue 1
 * @throws RangeError when `size` or `stride` is not an integer >= 1.
 */
export function slidingWindow<T>(size: number, stride = 1): OperatorFunction<T, T[]> {
  checkCount('size', size);
  checkCount('stride', stride);
  return (source) =>
    new Observable<T[]>((subscriber) => {
      // Item `i` lives in slot `i % size`; a slot is overwritten only once its item can no
      // longer belong to a window, so the ring never holds more than `size` items.
      let ring: T[] = [];
      let seen = 0;
      let nextEnd = size - 1;
      const subscription = source.subscribe({
        next: (item) => {
          const index = seen++;
          if (index <= nextEnd - size) return; // between two windows (stride > size)
          ring[index % size] = item;
          if (index < nextEnd) return;
          const window = unrollRing(ring, (index + 1) % size);
          nextEnd += stride;
          // With stride >= size no buffered item belongs to the next window: drop them now
          // rather than keeping them alive through the gap.
          if (stride >= size) ring = [];
          subscriber.next(window);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        ring = [];
      };
    });
}

/** The ring's items oldest first, as a fresh array; `head` is the oldest item's slot. */
function unrollRing<T>(ring: readonly T[], head: number): T[] {
  return head === 0 ? ring.slice() : ring.slice(head).concat(ring.slice(0, head));
}

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be an integer >= 1, got ${String(value)}`);
  }
}
