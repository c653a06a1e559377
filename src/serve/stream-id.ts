/** A Redis Stream entry ID, `<ms>-<seq>`, as SSE's `Last-Event-ID` carries it back. */
const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;

/** True for a well-formed Redis Stream entry ID (`1700000000000-0`). */
export function isStreamId(id: string): boolean {
  return STREAM_ID.test(id);
}

/** Orders two stream entry IDs as Redis does: by milliseconds, then by sequence number. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = parts(a);
  const [bMs, bSeq] = parts(b);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

function parts(id: string): [bigint, bigint] {
  const match = STREAM_ID.exec(id);
  if (match === null) throw new TypeError(`not a stream entry ID: ${JSON.stringify(id)}`);
  return [BigInt(match[1]!), BigInt(match[2]!)];
}
