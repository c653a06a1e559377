import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineWriter } from '../../../src/output/line-writer.js';

/** A writable whose writes complete only when `release()` is called, to force backpressure. */
function stalledWritable(): { stream: Writable; chunks: string[]; release: () => void } {
  const chunks: string[] = [];
  const pending: (() => void)[] = [];
  const stream = new Writable({
    highWaterMark: 4,
    decodeStrings: false,
    write(chunk: string, _encoding, callback) {
      chunks.push(chunk);
      pending.push(() => callback());
    },
  });
  const release = (): void => {
    for (const done of pending.splice(0)) done();
  };
  return { stream, chunks, release };
}

/** Resolves with 'pending' if `promise` has not settled after a turn of the event loop. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'settled'> {
  const marker = Symbol('pending');
  const winner = await Promise.race([
    promise.then(() => 'settled' as const),
    new Promise((resolve) => setImmediate(() => resolve(marker))),
  ]);
  return winner === marker ? 'pending' : 'settled';
}

describe('LineWriter', () => {
  it('resolves a write at once while the stream has room', async () => {
    const stream = new PassThrough();
    const writer = new LineWriter(stream);
    await writer.write('a\n');
    expect(String(stream.read())).toBe('a\n');
  });

  it('waits for drain when the stream buffer is full', async () => {
    const { stream, chunks, release } = stalledWritable();
    const writer = new LineWriter(stream);
    const write = writer.write('more than four bytes\n');
    expect(await state(write)).toBe('pending');
    release();
    await write;
    expect(chunks).toEqual(['more than four bytes\n']);
  });

  it('rejects a write waiting for drain when the stream is destroyed', async () => {
    const { stream } = stalledWritable();
    const writer = new LineWriter(stream);
    const write = writer.write('more than four bytes\n');
    stream.destroy();
    await expect(write).rejects.toThrow(/closed before it drained/);
  });

  it('keeps a stream error and rejects the next write with it', async () => {
    const stream = new PassThrough();
    const writer = new LineWriter(stream);
    stream.emit('error', new Error('EPIPE'));
    await expect(writer.write('a\n')).rejects.toThrow('EPIPE');
  });

  it('close waits for pending output to drain', async () => {
    const { stream, release } = stalledWritable();
    const writer = new LineWriter(stream);
    void writer.write('more than four bytes\n').catch(() => undefined);
    const close = writer.close();
    expect(await state(close)).toBe('pending');
    release();
    await close;
  });

  it('leaves the stream open by default and ends it with end: true', async () => {
    const kept = new PassThrough();
    await new LineWriter(kept).close();
    expect(kept.writableEnded).toBe(false);
    const owned = new PassThrough();
    owned.resume();
    await new LineWriter(owned, { end: true }).close();
    expect(owned.writableFinished).toBe(true);
  });

  it('returns the same promise from a second close and refuses writes after it', async () => {
    const writer = new LineWriter(new PassThrough());
    const first = writer.close();
    expect(writer.close()).toBe(first);
    await first;
    await expect(writer.write('a\n')).rejects.toThrow('the sink is closed');
  });

  it('detaches its error listener on close', async () => {
    const stream = new PassThrough();
    const before = stream.listenerCount('error');
    const writer = new LineWriter(stream);
    expect(stream.listenerCount('error')).toBe(before + 1);
    await writer.close();
    expect(stream.listenerCount('error')).toBe(before);
  });
});
