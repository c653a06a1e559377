import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { LabelFeeds, type StreamEntry } from '../../../src/serve/label-feed.js';
import { deletePrefix, freshPrefix, REDIS_URL } from '../../support/queue.js';

describe('LabelFeeds on a real Redis', () => {
  const prefix = freshPrefix();
  const redis = new Redis(REDIS_URL);

  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  /** Writes `count` entries to `key` in batches of `batch`, `pauseMs` apart; returns their IDs. */
  async function write(key: string, count: number, batch: number, pauseMs: number) {
    const ids: string[] = [];
    for (let i = 0; i < count; i += batch) {
      const pipeline = redis.pipeline();
      for (let j = i; j < Math.min(count, i + batch); j++)
        pipeline.xadd(key, '*', 'frame', String(j));
      const replies = (await pipeline.exec()) ?? [];
      for (const [error, id] of replies) {
        if (error !== null) throw error;
        ids.push(id as string);
      }
      await sleep(pauseMs);
    }
    return ids;
  }

  function viewer(feeds: LabelFeeds, key: string, after: string, slowMs = 0) {
    const got: string[] = [];
    const frames: string[] = [];
    const stop = new AbortController();
    const done = feeds.follow(
      'job',
      key,
      after,
      async (entries: readonly StreamEntry[]) => {
        for (const [id, fields] of entries) {
          got.push(id);
          frames.push(fields[1]!);
        }
        if (slowMs > 0) await sleep(slowMs);
      },
      stop.signal,
    );
    return { got, frames, done, stop };
  }

  it(
    '50 viewers, one joining late and one slow, each get every entry once and in order; one connection follows',
    { timeout: 60_000 },
    async () => {
      const key = `${prefix}:labels:many`;
      const state = { done: false };
      const feeds = new LabelFeeds({
        redis,
        isFinished: async () => state.done,
        blockMs: 200,
        pageSize: 50,
      });
      const viewers = Array.from({ length: 48 }, () => viewer(feeds, key, '0-0'));
      const slow = viewer(feeds, key, '0-0', 30);
      const writing = write(key, 600, 7, 5);
      await sleep(300);
      const late = viewer(feeds, key, '0-0');
      expect(feeds.following).toBe(1);
      const ids = await writing;
      state.done = true;
      const all = [...viewers, slow, late];
      await Promise.all(all.map((v) => v.done));
      for (const v of all) expect(v.got).toEqual(ids);
      expect(slow.frames).toEqual(ids.map((_, i) => String(i)));
      expect(feeds.following).toBe(0);
    },
  );

  it('resumes after a Last-Event-ID: only the entries after it', async () => {
    const key = `${prefix}:labels:resume`;
    const ids = await write(key, 120, 120, 0);
    const feeds = new LabelFeeds({ redis, isFinished: async () => true, pageSize: 50 });
    const v = viewer(feeds, key, ids[69]!);
    await v.done;
    expect(v.got).toEqual(ids.slice(70));
  });

  it('a viewer that disconnects stops being served and frees the follower', async () => {
    const key = `${prefix}:labels:leave`;
    await write(key, 10, 10, 0);
    const feeds = new LabelFeeds({ redis, isFinished: async () => false, blockMs: 100 });
    const v = viewer(feeds, key, '0-0');
    const deadline = Date.now() + 10_000;
    while (v.got.length < 10 && Date.now() < deadline) await sleep(20);
    expect(v.got).toHaveLength(10);
    v.stop.abort();
    await v.done;
    expect(feeds.following).toBe(0);
    feeds.close();
  });
});
