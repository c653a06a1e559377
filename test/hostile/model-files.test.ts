import { cp, mkdtemp, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { saveSeedModel } from '../support/models.js';
import { makeVideo } from '../support/videos.js';

/** A model directory is data: nothing in it may make framewise read a file outside it. */
describe('model directories that point outside themselves', () => {
  let model: string;
  let video: string;
  let outside: string;

  beforeAll(async () => {
    ({ dir: model } = await saveSeedModel({ height: 16, width: 16 }));
    video = await makeVideo({
      source: 'testsrc2',
      width: 32,
      height: 32,
      fps: 10,
      seconds: 1,
      codec: 'h264-mp4',
    });
    outside = await mkdtemp(join(tmpdir(), 'framewise-outside-'));
  });

  /** A copy of the model whose model.json and files `edit` changes. */
  async function variant(
    edit: (dir: string, json: { weightsManifest: { paths: string[] }[] }) => Promise<void>,
  ) {
    const dir = await mkdtemp(join(tmpdir(), 'framewise-model-variant-'));
    await cp(model, dir, { recursive: true });
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
      weightsManifest: { paths: string[] }[];
    };
    await edit(dir, json);
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    return dir;
  }

  it.each<
    [
      string,
      (dir: string, json: { weightsManifest: { paths: string[] }[] }) => Promise<void>,
      RegExp,
    ]
  >([
    [
      'a weights path with ../',
      async (dir, json) => {
        const shard = json.weightsManifest[0]!.paths[0]!;
        await cp(join(dir, shard), join(outside, 'shard.bin'));
        json.weightsManifest[0]!.paths[0] = `../${outside.split('/').at(-1)}/shard.bin`;
      },
      /weights path "\.\.\/.*shard\.bin" in model\.json leaves the model directory/,
    ],
    [
      'an absolute weights path',
      async (dir, json) => {
        const shard = json.weightsManifest[0]!.paths[0]!;
        await cp(join(dir, shard), join(outside, 'abs.bin'));
        json.weightsManifest[0]!.paths[0] = join(outside, 'abs.bin');
      },
      /weights path ".*abs\.bin" in model\.json leaves the model directory/,
    ],
    [
      'a weight file that is a symlink out of the directory',
      async (dir, json) => {
        const shard = json.weightsManifest[0]!.paths[0]!;
        await rename(join(dir, shard), join(outside, 'linked.bin'));
        await symlink(join(outside, 'linked.bin'), join(dir, shard));
      },
      /weights path ".*" in model\.json is a link to .*linked\.bin, outside the model directory/,
    ],
  ])('%s is refused, exit 2', async (_name, edit, message) => {
    const dir = await variant(edit);
    const { code, stdout, stderr } = await runCli(['label', video, '--model', dir]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});
