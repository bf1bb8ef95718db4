/**
 * A bounded, approximately least-recently-used map in two generations: new and re-used entries go
 * to the young generation; when it fills, the old generation is dropped whole and the young one
 * becomes old. Every operation is O(1) with no per-hit reordering (a single Map used as an LRU
 * degrades badly: evicting from its front walks over deleted slots). Holds at most `2 * half`.
 *
 * It hands back the same `Uint8Array` object for a cached hash, which lets @darwin/trie keep that
 * node decoded (its decode cache is keyed by object).
 */
export class LruCache<V> {
  readonly #half: number;
  #young = new Map<string, V>();
  #old = new Map<string, V>();
  hits = 0;
  misses = 0;

  constructor(maxEntries: number) {
    this.#half = Math.max(1, Math.floor(maxEntries / 2));
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  get(key: string): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) {
      this.hits++;
      return young;
    }
    const old = this.#old.get(key);
    if (old === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.#old.delete(key);
    this.#promote(key, old);
    return old;
  }

  set(key: string, value: V): void {
    if (this.#young.has(key)) {
      this.#young.set(key, value);
      return;
    }
    this.#old.delete(key);
    this.#promote(key, value);
  }

  #promote(key: string, value: V): void {
    this.#young.set(key, value);
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
  }

  delete(key: string): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }
}
