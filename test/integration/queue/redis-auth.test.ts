import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { freePort } from '../../support/free-port.js';
import { saveSeedModel } from '../../support/models.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/private-redis.js';
import { startWorker } from '../../support/queue.js';
import { makeVideo } from '../../support/videos.js';

describe('a Redis with a password and an evicting memory policy', () => {
  let server: PrivateRedis | undefined;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `redis://:s3cret@127.0.0.1:${port}`;
    // A second, private Redis server: the password and policy must not touch the shared one.
    server = await startPrivateRedis(port, url, [
      '--requirepass',
      's3cret',
      '--maxmemory-policy',
      'allkeys-lru',
    ]);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('works through REDIS_URL with the password, and the worker warns about eviction', async () => {
    const video = await makeVideo({
      source: 'testsrc2',
      width: 32,
      height: 32,
      fps: 10,
      seconds: 1,
      codec: 'h264-mp4',
    });
    const { dir: model } = await saveSeedModel({ height: 16, width: 16 });
    const worker = await startWorker(['--media-root', dirname(video), '--model', model], {
      REDIS_URL: url,
    });
    try {
      const warning = worker.logs.find((l) =>
        String(l.msg).includes('maxmemory-policy is not noeviction'),
      );
      expect(warning).toMatchObject({ maxmemoryPolicy: 'allkeys-lru' });
      const done = await runCli(['enqueue', video, '--media-root', dirname(video), '--wait'], {
        REDIS_URL: url,
      });
      expect(done.code).toBe(0);
      expect(JSON.parse(done.stdout)).toMatchObject({ frames: 10, windows: 7 });
      const wrong = await runCli(['status', 'x'], { REDIS_URL: url.replace('s3cret', 'wrong') });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(
        /cannot use Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+.*(WRONGPASS|invalid)/,
      );
      expect(wrong.stderr).not.toContain('wrong@');
    } finally {
      await worker.stop();
    }
  });
});
