import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderShots } from '../support/render-shots.js';
import { runCli } from '../support/cli.js';

interface EvaluateReport {
  videos: number;
  events: number;
  detected: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
}

/** Where the one hard cut of the test video is, in seconds (a whole frame at 25 fps). */
const CUT_SEC = 1.6;

/**
 * `framewise evaluate` with the bundled demo model on one video with one hard cut, a still
 * colour shot then testsrc2 (the plainest cut there is), under annotations that put the cut
 * where it is and where it is not.
 */
describe('framewise evaluate', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'framewise-evaluate-'));
    await renderShots({
      out: join(dir, 'cut.mp4'),
      width: 160,
      height: 120,
      fps: 25,
      shots: [
        { source: 'color=c=0x2050c0', seconds: CUT_SEC },
        { source: 'testsrc2', seconds: 1.6 },
      ],
    });
  });

  async function evaluate(cutAt: number, extra: string[] = []) {
    const data = await mkdtemp(join(dir, 'labels-'));
    await copyFile(join(dir, 'cut.mp4'), join(data, 'cut.mp4'));
    const csv =
      `video,start,end,label\ncut.mp4,0,${cutAt},same shot\n` +
      `cut.mp4,${cutAt},${cutAt + 0.12},cut\ncut.mp4,${cutAt + 0.12},${2 * CUT_SEC},same shot\n`;
    await writeFile(join(data, 'labels.csv'), csv);
    const result = await runCli(['evaluate', '--data', data, ...extra]);
    expect(result.code, result.stderr).toBe(0);
    return { report: JSON.parse(result.stdout) as EvaluateReport, stderr: result.stderr };
  }

  it('finds the cut the annotations name: precision and recall 1', async () => {
    const { report, stderr } = await evaluate(CUT_SEC, ['--errors']);
    expect(report).toEqual({
      videos: 1,
      events: 1,
      detected: 1,
      truePositives: 1,
      falsePositives: 0,
      falseNegatives: 0,
      precision: 1,
      recall: 1,
    });
    expect(stderr).not.toMatch(/false cut|missed cut/);
  });

  it('with --errors, lists a cut found where none is annotated and the annotated one it missed', async () => {
    // Annotated a second early: the real cut is then a false detection, the annotation a miss.
    const { report, stderr } = await evaluate(CUT_SEC - 1, ['--errors']);
    expect(report).toMatchObject({ events: 1, truePositives: 0, falsePositives: 1 });
    expect(report).toMatchObject({ falseNegatives: 1, precision: 0, recall: 0 });
    expect(stderr).toContain(`false cut at ${CUT_SEC.toFixed(3)} s`);
    expect(stderr).toContain(`missed cut at ${(CUT_SEC - 1).toFixed(3)} s`);
    // Without --errors only the per-video counts.
    const plain = await evaluate(CUT_SEC - 1);
    expect(plain.stderr).toContain('1 events, precision 0.000, recall 0.000');
    expect(plain.stderr).not.toContain('missed cut');
  });

  it('counts one of two cuts closer than --min-gap (0.6 s by default), both with --min-gap 0', async () => {
    // Two plain cuts 0.4 s apart: a 10-frame testsrc2 shot between two still colours.
    const data = await mkdtemp(join(dir, 'close-'));
    await renderShots({
      out: join(data, 'close.mp4'),
      width: 160,
      height: 120,
      fps: 25,
      shots: [
        { source: 'color=c=0x2050c0', seconds: 1.6 },
        { source: 'testsrc2', seconds: 0.4 },
        { source: 'color=c=0xc05020', seconds: 1.2 },
      ],
    });
    const csv =
      'video,start,end,label\nclose.mp4,0,1.6,same shot\nclose.mp4,1.6,1.72,cut\n' +
      'close.mp4,1.72,2,same shot\nclose.mp4,2,2.12,cut\nclose.mp4,2.12,3.2,same shot\n';
    await writeFile(join(data, 'labels.csv'), csv);
    const run = async (extra: string[]) => {
      const result = await runCli(['evaluate', '--data', data, ...extra]);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as EvaluateReport;
    };
    expect(await run(['--min-gap', '0'])).toMatchObject({
      events: 2,
      detected: 2,
      truePositives: 2,
    });
    expect(await run([])).toMatchObject({ events: 2, detected: 1, truePositives: 1 });
    const refused = await runCli(['evaluate', '--data', data, '--min-gap=-1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/min-gap must be a number >= 0 and <= 3600, got "-1"/);
  });
});
