import {
  compareBytes,
  concatBytes,
  decodeCompact,
  encodeCompact,
  fromHex,
  Reader,
  startsWith,
  toHex,
  Writer,
} from "@darwin/scale";

/** What the runtime may read from the state it runs on (a block's state, provided by the node). */
export interface StateBackend {
  get(key: Uint8Array): Uint8Array | undefined;
  /** The smallest key strictly greater than `key`, if any. */
  nextKey(key: Uint8Array): Uint8Array | undefined;
}

/**
 * The host interface for storage (sp_externalities): reads see pending writes; writes stay in an
 * overlay until the node commits them; transactional layers roll back a failed dispatch's writes.
 */
export interface Externalities {
  get(key: Uint8Array): Uint8Array | undefined;
  set(key: Uint8Array, value: Uint8Array): void;
  clear(key: Uint8Array): void;
  /**
   * Appends one SCALE-encoded item to a SCALE `Vec` value (sp_io::storage::append), without
   * re-encoding the whole vector on every call.
   */
  append(key: Uint8Array, item: Uint8Array): void;
  nextKey(key: Uint8Array): Uint8Array | undefined;
  /** Removes up to `limit` keys under `prefix`; returns how many were removed and whether any remain. */
  clearPrefix(prefix: Uint8Array, limit?: number): { removed: number; complete: boolean };
  startTransaction(): void;
  commitTransaction(): void;
  rollbackTransaction(): void;
  readonly transactionDepth: number;
  /** The state root of backend + committed overlay (sp_io::storage::root). */
  storageRoot(): Uint8Array;
}

/** Items appended to a Vec value in one layer, on top of what the layers below hold. */
class Appended {
  readonly below: Uint8Array | Appended | undefined;
  readonly items: Uint8Array[] = [];
  private cached: Uint8Array | undefined;

  constructor(below: Uint8Array | Appended | undefined) {
    this.below = below;
  }

  push(item: Uint8Array): void {
    this.items.push(item);
    this.cached = undefined;
  }

  materialize(): Uint8Array {
    if (this.cached) return this.cached;
    const chunks: Uint8Array[] = [];
    let count = 0;
    let node: Uint8Array | Appended | undefined = this;
    const stack: Appended[] = [];
    while (node instanceof Appended) {
      stack.push(node);
      node = node.below;
    }
    if (node !== undefined) {
      const r = new Reader(node);
      count = Number(decodeCompact(r));
      chunks.push(node.subarray(r.offset));
    }
    for (let i = stack.length - 1; i >= 0; i--) {
      for (const item of stack[i]!.items) chunks.push(item);
      count += stack[i]!.items.length;
    }
    const w = new Writer(16);
    encodeCompact(count, w);
    this.cached = concatBytes(w.finish(), ...chunks);
    return this.cached;
  }
}

type LayerValue = Uint8Array | null | Appended;

// Layers key their maps by the key's bytes as a latin1 string: one character per byte, so string
// order is byte order, and making one (plus the lookup) is ~4x cheaper than a hex string. A block
// touches storage tens of times per transaction. `changes()` still hands out hex keys.
function layerKey(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
}
function keyFromLayerKey(k: string): Uint8Array {
  return new Uint8Array(Buffer.from(k, "latin1"));
}
function hexOfLayerKey(k: string): string {
  return `0x${Buffer.from(k, "latin1").toString("hex")}`;
}

export type StateRootFn = (
  backend: StateBackend,
  changes: ReadonlyMap<string, Uint8Array | null>,
) => Uint8Array;

export class TransactionalError extends Error {
  readonly code = "NoOpenTransaction";
}

/**
 * The overlay the node and tests run the runtime on. Layer 0 holds the block's committed changes;
 * every open transaction adds a layer above it.
 */
export class OverlayedExternalities implements Externalities {
  private readonly backend: StateBackend;
  private readonly rootFn: StateRootFn;
  private readonly layers: Map<string, LayerValue>[] = [new Map()];

  constructor(backend: StateBackend, rootFn: StateRootFn) {
    this.backend = backend;
    this.rootFn = rootFn;
  }

  get transactionDepth(): number {
    return this.layers.length - 1;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const v = this.lookup(layerKey(key), this.layers.length - 1);
    return v === undefined
      ? this.backend.get(key)
      : v === null
        ? undefined
        : v instanceof Appended
          ? v.materialize()
          : v;
  }

  /** The value as layers at or below `from` hold it; undefined = not in the overlay. */
  private lookup(k: string, from: number): LayerValue | undefined {
    for (let i = from; i >= 0; i--) {
      const v = this.layers[i]!.get(k);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  append(key: Uint8Array, item: Uint8Array): void {
    const k = layerKey(key);
    const top = this.layers[this.layers.length - 1]!;
    const here = top.get(k);
    if (here instanceof Appended) {
      here.push(item);
      return;
    }
    let below: Uint8Array | Appended | undefined;
    if (here === undefined) {
      const v = this.lookup(k, this.layers.length - 2);
      below = v === undefined ? this.backend.get(key) : v === null ? undefined : v;
    } else below = here ?? undefined;
    const node = new Appended(below);
    node.push(item);
    top.set(k, node);
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.layers[this.layers.length - 1]!.set(layerKey(key), value);
  }

  clear(key: Uint8Array): void {
    this.layers[this.layers.length - 1]!.set(layerKey(key), null);
  }

  nextKey(key: Uint8Array): Uint8Array | undefined {
    // The next key is the smaller of the backend's next live key and the overlay's next live key.
    let candidate = this.backend.nextKey(key);
    while (candidate !== undefined && this.get(candidate) === undefined)
      candidate = this.backend.nextKey(candidate);
    const k = layerKey(key);
    let best: string | undefined;
    for (const layer of this.layers) {
      for (const [hk, v] of layer) {
        if (v === null || hk <= k) continue;
        if (best === undefined || hk < best) best = hk;
      }
    }
    if (best !== undefined) {
      const ov = keyFromLayerKey(best);
      if (this.get(ov) !== undefined && (candidate === undefined || compareBytes(ov, candidate) < 0))
        return ov;
    }
    return candidate;
  }

  clearPrefix(prefix: Uint8Array, limit = Number.POSITIVE_INFINITY): { removed: number; complete: boolean } {
    let removed = 0;
    let key: Uint8Array | undefined = this.get(prefix) !== undefined ? prefix : this.nextKey(prefix);
    while (key !== undefined && startsWith(key, prefix)) {
      if (removed >= limit) return { removed, complete: false };
      const next = this.nextKey(key);
      this.clear(key);
      removed++;
      key = next;
    }
    return { removed, complete: true };
  }

  startTransaction(): void {
    this.layers.push(new Map());
  }

  commitTransaction(): void {
    if (this.layers.length < 2) throw new TransactionalError("no open storage transaction to commit");
    const top = this.layers.pop()!;
    const below = this.layers[this.layers.length - 1]!;
    for (const [k, v] of top) below.set(k, v);
  }

  rollbackTransaction(): void {
    if (this.layers.length < 2) throw new TransactionalError("no open storage transaction to roll back");
    this.layers.pop();
  }

  /** The committed changes of this execution, sorted by key (deterministic commit order). */
  changes(): Map<string, Uint8Array | null> {
    if (this.layers.length !== 1) throw new TransactionalError("storage transactions still open");
    return new Map(
      [...this.layers[0]!]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]): [string, Uint8Array | null] => [
          hexOfLayerKey(k),
          v instanceof Appended ? v.materialize() : v,
        ]),
    );
  }

  storageRoot(): Uint8Array {
    if (this.layers.length !== 1) throw new TransactionalError("storage root asked inside a transaction");
    return this.rootFn(this.backend, this.changes());
  }
}

/** A backend over a sorted in-memory map; for genesis building and unit tests. */
export class InMemoryBackend implements StateBackend {
  readonly entries: Map<string, Uint8Array>;
  private sorted: string[] | undefined;

  constructor(entries: Iterable<readonly [string, Uint8Array]> = []) {
    this.entries = new Map(entries);
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.entries.get(toHex(key));
  }

  nextKey(key: Uint8Array): Uint8Array | undefined {
    this.sorted ??= [...this.entries.keys()].sort();
    const k = toHex(key);
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]! <= k) lo = mid + 1;
      else hi = mid;
    }
    const next = this.sorted[lo];
    return next === undefined ? undefined : fromHex(next);
  }

  /** Applies committed changes (used by tests to move to the next block). */
  apply(changes: ReadonlyMap<string, Uint8Array | null>): void {
    for (const [k, v] of changes) {
      if (v === null) this.entries.delete(k);
      else this.entries.set(k, v);
    }
    this.sorted = undefined;
  }
}
