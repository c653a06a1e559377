import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LABELS_CSV } from '../../../src/train/annotations.js';
import { makeCutDataset, SHOTS_CSV } from '../cut-dataset.js';
import { fixtureFfmpeg } from '../../../test/support/videos.js';

const FPS = 25;
const SHOT_FRAMES = 10;
const SIDE = 32;

/** Every frame of `video` as `SIDE × SIDE` grey bytes. */
function greyFrames(video: string): Uint8Array[] {
  const args = ['-v', 'error', '-i', video, '-vf', `scale=${SIDE}:${SIDE}`, '-pix_fmt', 'gray'];
  const out = spawnSync(fixtureFfmpeg.path, [...args, '-f', 'rawvideo', '-'], {
    maxBuffer: 1 << 24,
  }).stdout;
  return Array.from({ length: out.length / (SIDE * SIDE) }, (_, i) =>
    out.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE),
  );
}

function standardDeviation(bytes: Uint8Array): number {
  const mean = bytes.reduce((a, b) => a + b, 0) / bytes.length;
  return Math.sqrt(bytes.reduce((a, b) => a + (b - mean) ** 2, 0) / bytes.length);
}

describe('makeCutDataset', () => {
  it.each(['plasma', 'grain-blobs'] as const)(
    'renders %s shots: textured frames, a cut where the annotations put it',
    async (source) => {
      const dir = await mkdtemp(join(tmpdir(), 'framewise-cuts-'));
      const cuts = await makeCutDataset({
        dir,
        videos: 1,
        seed: 4,
        sources: [source],
        variation: { panSpeed: 2, hueDrift: 20, noise: [0, 0] },
        fps: FPS,
        window: 4,
        shots: [2, 2],
        shotFrames: [SHOT_FRAMES, SHOT_FRAMES],
      });
      expect(cuts.get('video-000.mp4')).toEqual([SHOT_FRAMES / FPS]);
      const labels = await readFile(join(dir, LABELS_CSV), 'utf8');
      expect(labels).toContain(`video-000.mp4,0.400000,0.520000,cut`);
      expect((await readFile(join(dir, SHOTS_CSV), 'utf8')).trim().split('\n')).toHaveLength(3);

      const frames = greyFrames(join(dir, 'video-000.mp4'));
      expect(frames).toHaveLength(2 * SHOT_FRAMES);
      // A texture, not a flat colour (noise is off here; ffmpeg 4.1 and 5.1 blur the grain
      // differently: deviations of 3.5 to 6 for grain-blobs).
      for (const frame of [frames[0]!, frames[SHOT_FRAMES]!])
        expect(standardDeviation(frame)).toBeGreaterThan(2);
      // Frames change more across the cut than between two frames of one shot.
      const change = (a: number) =>
        frames[a]!.reduce((sum, v, i) => sum + Math.abs(v - frames[a - 1]![i]!), 0);
      expect(change(SHOT_FRAMES)).toBeGreaterThan(2 * change(SHOT_FRAMES - 1));
    },
  );
});
