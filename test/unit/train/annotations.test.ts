import { describe, expect, it } from 'vitest';
import { labelAt, parseAnnotations } from '../../../src/train/annotations.js';

describe('parseAnnotations', () => {
  it('groups segments by video, sorted, with the classes sorted', () => {
    const text = 'video,start,end,label\nb.mp4,2,4,same shot\n"a,1.mp4",0,1.5,cut\nb.mp4,0,2,cut\n';
    const { videos, classes } = parseAnnotations(text, 'labels.csv');
    expect(classes).toEqual(['cut', 'same shot']);
    expect(videos.get('a,1.mp4')).toEqual([{ start: 0, end: 1.5, label: 'cut' }]);
    expect(videos.get('b.mp4')!.map((s) => s.start)).toEqual([0, 2]);
  });

  it.each([
    ['video,begin,end,label\n', /must start with the header video,start,end,label/],
    [
      'video,start,end,label\na.mp4,2,1,cut\n',
      /line 2: start and end must be seconds with 0 <= start < end, got 2, 1/,
    ],
    ['video,start,end,label\na.mp4,x,1,cut\n', /line 2: start and end must be seconds/],
    ['video,start,end,label\n', /has no annotation rows/],
  ])('refuses bad input naming the line and the rule', (text, message) => {
    expect(() => parseAnnotations(text, 'labels.csv')).toThrow(message);
  });
});

describe('labelAt', () => {
  const segments = [
    { start: 0, end: 1.2, label: 'same shot' },
    { start: 1.2, end: 1.32, label: 'cut' },
  ];
  it('takes the segment holding the time, start inclusive, end exclusive', () => {
    expect(labelAt(segments, 1.19)).toBe('same shot');
    expect(labelAt(segments, 1.2)).toBe('cut');
    expect(labelAt(segments, 1.2 - 1e-9)).toBe('cut');
    expect(labelAt(segments, 1.32)).toBeUndefined();
  });
});
