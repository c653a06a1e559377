import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLocalInput } from '../../../src/decode/check-local-input.js';

describe('checkLocalInput', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fw-check-input-'));
    await writeFile(join(dir, 'video.mp4'), 'not empty');
    await writeFile(join(dir, 'empty.mp4'), '');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes a readable non-empty file', async () => {
    await expect(checkLocalInput(join(dir, 'video.mp4'))).resolves.toBeUndefined();
  });

  it('rejects a missing file, naming the input as the user gave it', async () => {
    await expect(checkLocalInput(join(dir, 'nope.mp4'), 'nope.mp4')).rejects.toMatchObject({
      code: 'FW_ERR_INPUT_NOT_FOUND',
      message: 'input not found: nope.mp4; check the path',
    });
  });

  it('rejects a directory and an empty file as not a video', async () => {
    await expect(checkLocalInput(dir)).rejects.toMatchObject({
      code: 'FW_ERR_NOT_A_VIDEO',
      message: expect.stringMatching(/^input is a directory, not a video file: /),
    });
    await expect(checkLocalInput(join(dir, 'empty.mp4'))).rejects.toMatchObject({
      code: 'FW_ERR_NOT_A_VIDEO',
      message: expect.stringMatching(/^input is empty \(0 bytes\): /),
    });
  });
});
