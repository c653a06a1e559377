import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { freePort } from '../../support/free-port.js';
import { saveSeedModel } from '../../support/models.js';
import {
  deletePrefix,
  freshPrefix,
  REDIS_URL,
  startWorker,
  WORKER_ENTRY,
  type WorkerProcess,
} from '../../support/queue.js';
import { makeVideo } from '../../support/videos.js';

/** In every URL of these tests; must never reach a log line. */
const PASSWORD = 'pa55-w0rd';

describe('worker logs', () => {
  const prefix = freshPrefix();
  const env = { REDIS_URL, FRAMEWISE_PREFIX: prefix, FRAMEWISE_ALLOW_PRIVATE: '1' };
  const redis = new Redis(REDIS_URL);
  let http: Server;
  let base: string;
  let worker: WorkerProcess;

  beforeAll(async () => {
    // MPEG-TS: read straight through, so a plain server without ranges serves it.
    const video = await makeVideo({
      source: 'testsrc2',
      width: 32,
      height: 32,
      fps: 10,
      seconds: 1,
      codec: 'h264-ts',
    });
    http = createServer((request, response) => {
      if (request.url !== '/clip.ts') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'video/mp2t' });
      createReadStream(video).pipe(response);
    }).listen(0, '127.0.0.1');
    await once(http, 'listening');
    base = `http://viewer:${PASSWORD}@127.0.0.1:${(http.address() as AddressInfo).port}`;
    const { dir: model } = await saveSeedModel({ height: 16, width: 16 });
    worker = await startWorker(['--model', model], env);
  });

  afterAll(async () => {
    await worker?.stop();
    http?.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('every line of a job names its id and its source, with the password hidden', async () => {
    const done = await runCli(['enqueue', `${base}/clip.ts`, '--wait'], env);
    expect(done.code).toBe(0);
    const { id } = JSON.parse(done.stdout) as { id: string };
    const lines = worker.logs.filter((l) => l.jobId === id);
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['job started', 'job completed']),
    );
    const source = base.replace(PASSWORD, '***') + '/clip.ts';
    for (const line of lines) expect(line.source).toBe(source);
    expect(JSON.stringify(worker.logs)).not.toContain(PASSWORD);
  });

  it('a failed job is logged without the password, whatever ffmpeg said', async () => {
    const done = await runCli(['enqueue', `${base}/missing.ts`, '--attempts', '1', '--wait'], env);
    expect(done.code).toBe(1);
    const failed = worker.logs.find((l) => l.msg === 'job failed');
    expect(failed).toMatchObject({ source: `${base.replace(PASSWORD, '***')}/missing.ts` });
    expect(JSON.stringify(worker.logs)).not.toContain(PASSWORD);
  });

  it('are human lines, not JSON, when stderr is a terminal', async () => {
    // `script` gives the worker a pseudo-terminal; Redis is absent, so it logs and exits.
    const command = `${process.execPath} ${WORKER_ENTRY} --prefix ${prefix}`;
    const result = spawnSync('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${await freePort()}` },
    });
    expect(result.stdout).toMatch(/INFO.*model loaded/);
    expect(result.stdout).not.toMatch(/^\{"level"/m);
    expect(result.stdout).not.toContain(PASSWORD);
    expect(result.status).toBe(1);
  });
});
