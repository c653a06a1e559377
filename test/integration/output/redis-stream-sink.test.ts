import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Label } from '../../../src/pipeline/label.js';
import { RedisStreamSink } from '../../../src/output/redis-stream-sink.js';
import { deletePrefix, freshPrefix, readStream, REDIS_URL } from '../../support/queue.js';

function label(frame: number): Label {
  return {
    frame,
    start: frame - 3,
    t: frame / 25,
    label: frame % 2,
    score: 0.75,
    scores: [0.25, 0.75],
  };
}

describe('RedisStreamSink', () => {
  const prefix = freshPrefix();
  const redis = new Redis(REDIS_URL);

  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('writes one entry per label with the ID <frame>-1 and the contract fields', async () => {
    const key = `${prefix}:labels:fields`;
    const sink = new RedisStreamSink(redis, key);
    await sink.write({ ...label(3), name: 'cut' });
    await sink.close();
    expect(await readStream(redis, key)).toEqual([
      [
        '3-1',
        {
          frame: '3',
          start: '0',
          t: '0.12',
          label: '1',
          name: 'cut',
          score: '0.75',
          scores: '[0.25,0.75]',
        },
      ],
    ]);
  });

  it('drops replayed labels: a rerun from the start neither duplicates nor fails', async () => {
    const key = `${prefix}:labels:replay`;
    const first = new RedisStreamSink(redis, key);
    for (let f = 3; f < 13; f++) await first.write(label(f));
    await first.close();
    const rerun = new RedisStreamSink(redis, key);
    for (let f = 3; f < 20; f++) await rerun.write(label(f));
    await rerun.close();
    expect(rerun.added).toBe(7);
    expect(rerun.replayed).toBe(10);
    const frames = (await readStream(redis, key)).map(([, fields]) => Number(fields.frame));
    expect(frames).toEqual(Array.from({ length: 17 }, (_, i) => i + 3));
  });

  it('sends the labels of one turn of the event loop in one round trip', async () => {
    const key = `${prefix}:labels:batch`;
    const monitor = await redis.monitor();
    const commands: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.includes(key)) commands.push(args);
    });
    const sink = new RedisStreamSink(redis, key);
    for (let f = 3; f < 43; f++) await sink.write(label(f));
    await sink.close();
    monitor.disconnect();
    expect((await readStream(redis, key)).length).toBe(40);
    // MONITOR also lists the XADDs the script runs inside Redis: count client calls only.
    const writes = commands.filter((args) => /^(evalsha|eval)$/i.test(args[0] ?? ''));
    expect(writes.length).toBe(1);
  });
});
