import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { saveSeedModel } from '../../helpers/models.js';
import { startWorker, waitFor } from '../../helpers/queue.js';
import { makeVideo } from '../../helpers/videos.js';

/** A free TCP port on loopback, from the kernel. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

describe('a Redis with a password and an evicting memory policy', () => {
  let server: ChildProcess;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    // A second, private Redis server: the password and policy must not touch the shared one.
    server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--requirepass',
        's3cret',
        '--maxmemory-policy',
        'allkeys-lru',
      ],
      { stdio: 'ignore' },
    );
    url = `redis://:s3cret@127.0.0.1:${port}`;
    await waitFor(async () => {
      const probe = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    });
  });

  afterAll(() => {
    server?.kill('SIGKILL');
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
