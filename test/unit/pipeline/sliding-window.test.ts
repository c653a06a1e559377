import { from, toArray, firstValueFrom, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { slidingWindow } from '../../../src/pipeline/sliding-window.js';

function newScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });
}

/** Letters a–z stand for the items 0–25 in the marbles below. */
const items = Object.fromEntries([...'abcdefghijklmnopqrstuvwxyz'].map((c, i) => [c, i]));

/** The windows by definition: those ending at size-1, size-1+stride, … that fit in the input. */
function naiveWindows(input: number[], size: number, stride: number): number[][] {
  const windows: number[][] = [];
  for (let end = size - 1; end < input.length; end += stride) {
    windows.push(input.slice(end - size + 1, end + 1));
  }
  return windows;
}

describe('slidingWindow', () => {
  it('emits overlapping windows of 3 with stride 1', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-d-e-|', items);
      expectObservable(source.pipe(slidingWindow(3))).toBe('-----x-y-z-|', {
        x: [0, 1, 2],
        y: [1, 2, 3],
        z: [2, 3, 4],
      });
    });
  });

  it('emits windows of 4 every 3 items', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('abcdefghij|', items);
      expectObservable(source.pipe(slidingWindow(4, 3))).toBe('---x--y--z|', {
        x: [0, 1, 2, 3],
        y: [3, 4, 5, 6],
        z: [6, 7, 8, 9],
      });
    });
  });

  it('skips the items between windows when stride exceeds size', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('abcdefghijk|', items);
      expectObservable(source.pipe(slidingWindow(2, 4))).toBe('-x---y---z-|', {
        x: [0, 1],
        y: [4, 5],
        z: [8, 9],
      });
    });
  });

  it('drops a partial window at completion', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('abcde|', items);
      expectObservable(source.pipe(slidingWindow(3, 3))).toBe('--x--|', { x: [0, 1, 2] });
    });
  });

  it('completes without a window when the source ends before one fills', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('ab|', items).pipe(slidingWindow(3))).toBe('--|');
    });
  });

  it('completes without a window on an empty source', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('|').pipe(slidingWindow(3))).toBe('|');
    });
  });

  it('forwards an error and discards the pending window', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('abcd#', items, new Error('decode failed'));
      expectObservable(source.pipe(slidingWindow(3, 2))).toBe(
        '--x-#',
        { x: [0, 1, 2] },
        new Error('decode failed'),
      );
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('unsubscribes from the source when the consumer unsubscribes', () => {
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c-d-e-f-|', items);
      expectObservable(source.pipe(slidingWindow(2)), '^------!').toBe('---x-y-', {
        x: [0, 1],
        y: [1, 2],
      });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('emits fresh arrays that later windows do not change', () => {
    const seen: number[][] = [];
    const subject = new Subject<number>();
    subject.pipe(slidingWindow(2)).subscribe((w) => seen.push(w));
    for (let i = 0; i < 6; i++) subject.next(i);
    expect(seen).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
    ]);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('keeps array items intact', async () => {
    const source = from([[1], [2], [3]]);
    const windows = await firstValueFrom(source.pipe(slidingWindow(2), toArray()));
    expect(windows).toEqual([
      [[1], [2]],
      [[2], [3]],
    ]);
  });

  it('matches the definition for every size, stride and length up to 9', async () => {
    for (let size = 1; size <= 9; size++) {
      for (let stride = 1; stride <= 9; stride++) {
        for (let length = 0; length <= 30; length++) {
          const input = Array.from({ length }, (_, i) => i);
          const windows = await firstValueFrom(
            from(input).pipe(slidingWindow(size, stride), toArray()),
          );
          expect(windows, `size ${size}, stride ${stride}, length ${length}`).toEqual(
            naiveWindows(input, size, stride),
          );
        }
      }
    }
  });

  it.each([
    [0, 1, 'size must be an integer >= 1, got 0'],
    [2.5, 1, 'size must be an integer >= 1, got 2.5'],
    [Number.NaN, 1, 'size must be an integer >= 1, got NaN'],
    [3, 0, 'stride must be an integer >= 1, got 0'],
    [3, -1, 'stride must be an integer >= 1, got -1'],
    [3, Number.POSITIVE_INFINITY, 'stride must be an integer >= 1, got Infinity'],
  ])('rejects size %s, stride %s', (size, stride, message) => {
    expect(() => slidingWindow(size, stride)).toThrow(new RangeError(message));
  });
});
