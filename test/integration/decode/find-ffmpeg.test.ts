import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegError } from '../../../src/errors.js';
import { findFfmpeg, parseFfmpegVersion } from '../../../src/decode/find-ffmpeg.js';

describe('findFfmpeg', () => {
  let dir: string;

  beforeAll(async () => {
    // A stand-in `ffmpeg` on PATH that answers -version like ffmpeg 6.1.1 does.
    dir = await mkdtemp(join(tmpdir(), 'fw-find-ffmpeg-'));
    const fake = join(dir, 'ffmpeg');
    await writeFile(
      fake,
      '#!/bin/sh\necho "ffmpeg version 6.1.1 Copyright (c) 2000-2023 the FFmpeg developers"\n',
    );
    await chmod(fake, 0o755);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('falls back to the binary of @ffmpeg-installer/ffmpeg (ffmpeg-static is not installed here)', async () => {
    const found = await findFfmpeg({ PATH: '' });
    expect(found.origin).toBe('@ffmpeg-installer/ffmpeg');
    expect(found.path).toMatch(/@ffmpeg-installer\/linux-x64\/ffmpeg$/);
    expect(found.version).toBe('N-47683-g0e8eb07980-static');
    expect(found.fifoMuxer).toBe(true);
  });

  it('prefers ffmpeg on PATH over the bundled one', async () => {
    expect(await findFfmpeg({ PATH: `/nonexistent:${dir}` })).toEqual({
      path: join(dir, 'ffmpeg'),
      origin: 'PATH',
      version: '6.1.1',
      // It answers `-h muxer=fifo` with its version line, not the muxer's description.
      fifoMuxer: false,
    });
  });

  it('prefers FFMPEG_PATH over everything', async () => {
    const bundled = await findFfmpeg({ PATH: '' });
    const found = await findFfmpeg({ FFMPEG_PATH: bundled.path, PATH: dir });
    expect(found).toEqual({ ...bundled, origin: 'FFMPEG_PATH' });
  });

  it('fails with FW_ERR_FFMPEG_NOT_FOUND when FFMPEG_PATH is not an ffmpeg, saying how to fix it', async () => {
    const error = await findFfmpeg({ FFMPEG_PATH: join(dir, 'nope'), PATH: dir }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FfmpegError);
    expect(error).toMatchObject({ code: 'FW_ERR_FFMPEG_NOT_FOUND' });
    expect((error as Error).message).toMatch(
      /FFMPEG_PATH=.*nope is not a runnable ffmpeg; point FFMPEG_PATH/,
    );
  });

  it('memoizes per environment', async () => {
    const env = { PATH: dir };
    expect(findFfmpeg(env)).toBe(findFfmpeg({ ...env }));
  });
});

describe('parseFfmpegVersion', () => {
  it('reads the version token of the first line', () => {
    expect(
      parseFfmpegVersion(
        'ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/  Copyright',
      ),
    ).toBe('N-47683-g0e8eb07980-static');
    expect(
      parseFfmpegVersion(
        'ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021\nbuilt with gcc',
      ),
    ).toBe('4.4.2-0ubuntu0.22.04.1');
    expect(parseFfmpegVersion('ffprobe version 6.1.1')).toBeUndefined();
  });
});
