import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { saveSeedModel } from '../support/models.js';
import { ffmpegProcessesRunning, makeTruncatedCopy, makeVideo } from '../support/videos.js';

/**
 * `framewise label` on inputs it does not control: each is refused with exit 2 and one line
 * naming the input and what to do, or labeled with a warning; nothing is read outside the
 * input, no ffmpeg is left behind. Holds for every ffmpeg build (npm test runs it on each).
 */
describe('label on hostile local inputs', () => {
  let dir: string;
  let model: string;
  let video: string;
  let secret: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'framewise-hostile-'));
    ({ dir: model } = await saveSeedModel({ height: 16, width: 16 }));
    video = await makeVideo({
      source: 'testsrc2',
      width: 32,
      height: 32,
      fps: 10,
      seconds: 2,
      codec: 'h264-mp4',
    });
    // Stands for a private file outside the media: a playlist must not make ffmpeg read it.
    secret = await makeVideo({
      source: 'mandelbrot',
      width: 32,
      height: 32,
      fps: 10,
      seconds: 2,
      codec: 'h264-ts',
    });
    const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:2.0,\n${secret}\n#EXT-X-ENDLIST\n`;
    await writeFile(join(dir, 'playlist.mp4'), playlist);
    await writeFile(join(dir, 'playlist.m3u8'), playlist);
    await writeFile(join(dir, 'list.ffconcat'), `ffconcat version 1.0\nfile '${secret}'\n`);
    await symlink(join(dir, 'loop-b.mp4'), join(dir, 'loop-a.mp4'));
    await symlink(join(dir, 'loop-a.mp4'), join(dir, 'loop-b.mp4'));
    const header = 'YUV4MPEG2 W16000 H16000 F25:1 Ip A1:1 C420jpeg\nFRAME\n';
    await writeFile(
      join(dir, 'huge.y4m'),
      Buffer.concat([Buffer.from(header), Buffer.alloc(1 << 16)]),
    );
  });

  const label = (input: string, ...args: string[]) =>
    runCli(['label', input, '--model', model, '--format', 'jsonl', ...args]);

  it.each([
    [
      'an HLS playlist named .mp4 naming a file elsewhere',
      'playlist.mp4',
      /input is not a video: .*playlist\.mp4 \(its format is hls/,
    ],
    [
      'an HLS playlist named .m3u8',
      'playlist.m3u8',
      /input is not a video: .*playlist\.m3u8 \(its format is hls/,
    ],
    [
      'an ffconcat list naming a file elsewhere',
      'list.ffconcat',
      /input is not a video: .*list\.ffconcat/,
    ],
    ['a loop of symbolic links', 'loop-a.mp4', /input is a loop of symbolic links: .*loop-a\.mp4/],
    [
      'a 16000×16000 Y4M',
      'huge.y4m',
      /input frames are too large: .*16000×16000 \(256000000 pixels\)/,
    ],
  ])('%s is refused, exit 2', async (_name, file, message) => {
    const { code, stdout, stderr } = await label(join(dir, file));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(ffmpegProcessesRunning()).toBe(0);
  });

  it('a truncated MKV fails as corrupt after its frames, on every ffmpeg build', async () => {
    const mkv = await makeVideo({
      source: 'testsrc2',
      width: 32,
      height: 32,
      fps: 25,
      seconds: 4,
      codec: 'png-mkv',
    });
    const { code, stdout, stderr } = await label(await makeTruncatedCopy(mkv, 0.5));
    expect(code).toBe(2);
    expect(stdout.split('\n').filter(Boolean).length).toBeGreaterThan(10);
    expect(stderr).toMatch(/input is truncated or corrupt: .*; re-download or re-encode it/);
  });

  it.each([
    [
      'an input shorter than one window',
      ['--window', '64'],
      /no labels: the input gave 20 frames, fewer than one window of 64/,
    ],
    ['a start past the end', ['--start', '30'], /no labels: the input gave no frames/],
  ])('%s gives no label and says so, exit 0', async (_name, args, warning) => {
    const { code, stdout, stderr } = await label(video, ...args);
    expect(code, stderr).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(warning);
  });

  it.each([
    ['--duration 1e-10', ['--duration', '1e-10'], /duration must be a number >= 0\.001/],
    ['--start 1e300', ['--start', '1e300'], /start must be a number >= 0 and <= 10000000/],
    [
      '--window 1000000000',
      ['--window', '1000000000'],
      /window must be an integer >= 1 and <= 1024/,
    ],
    ['--batch 1000000', ['--batch', '1000000'], /batch must be an integer >= 1 and <= 1024/],
    ['--fps 1e9', ['--fps', '1e9'], /fps must be a number >= 0\.001 and <= 1000/],
    ['--fps 1e-9', ['--fps', '1e-9'], /fps must be a number >= 0\.001/],
    ['--stride 1e21', ['--stride', '1e21'], /stride must be an integer >= 1 and <= 1000000/],
  ])('%s is refused before anything runs, exit 2', async (_name, args, message) => {
    const { code, stdout, stderr } = await label(video, ...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});
