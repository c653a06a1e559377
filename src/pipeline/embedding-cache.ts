interface Entry {
  readonly embedding: Float32Array;
  /** Whether a window has read it already: later reads are cache hits. */
  read: boolean;
}

/**
 * Per-frame embeddings keyed by frame index, so that overlapping windows reuse them: each frame
 * goes through the CNN once. Embeddings are plain Float32Arrays (no tensors to leak); entries
 * that no future window can use are evicted with {@link EmbeddingCache.evictBefore}.
 */
export class EmbeddingCache {
  private readonly entries = new Map<number, Entry>();
  private encodedCount = 0;
  private hitCount = 0;

  /** Frames that went through the CNN (each {@link put}). */
  get encoded(): number {
    return this.encodedCount;
  }

  /** Embeddings served from the cache, i.e. CNN passes saved. */
  get cacheHits(): number {
    return this.hitCount;
  }

  /** Entries held now. */
  get size(): number {
    return this.entries.size;
  }

  /** Stores the embedding of frame `index`, fresh from the encoder. */
  put(index: number, embedding: Float32Array): void {
    this.entries.set(index, { embedding, read: false });
    this.encodedCount++;
  }

  /** True when frame `index` is cached. */
  has(index: number): boolean {
    return this.entries.has(index);
  }

  /**
   * Copies the embeddings of frames `first … first + count - 1` into `out` at `offset`. Every
   * read of a frame after its first is a cache hit: a CNN pass saved.
   * @throws RangeError when a frame is missing: a window was assembled before it was encoded.
   */
  copyRun(first: number, count: number, out: Float32Array, offset: number): void {
    let o = offset;
    for (let index = first; index < first + count; index++) {
      const entry = this.entries.get(index);
      if (entry === undefined) {
        throw new RangeError(`frame ${index} is not in the embedding cache`);
      }
      if (entry.read) this.hitCount++;
      entry.read = true;
      out.set(entry.embedding, o);
      o += entry.embedding.length;
    }
  }

  /** Drops every frame with index below `index`: no future window starts before it. */
  evictBefore(index: number): void {
    // Keys are inserted in frame order, so the ones to drop come first.
    for (const key of this.entries.keys()) {
      if (key >= index) break;
      this.entries.delete(key);
    }
  }

  /** Drops everything. */
  clear(): void {
    this.entries.clear();
  }
}
