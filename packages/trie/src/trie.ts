import {
  bytesToNibbles,
  type ChildRef,
  DecodedNode,
  decodeNode,
  encodeBranch,
  encodeLeaf,
  HASH_LENGTH,
  type NodeValue,
  nibblesToBytes,
} from "./codec.ts";
import { TrieError } from "./errors.ts";
import { blake2_256, bytesEqual, compareBytes, EMPTY_ROOT, toHex } from "./hash.ts";

/**
 * Where trie nodes live, content-addressed: blake2-256 of a node's encoding (or, for hashed values,
 * of the value) -> those bytes. Reads are synchronous so the runtime's storage host functions can
 * be too; a store that returns the same `Uint8Array` object for a hash it caches lets the trie keep
 * that node decoded across calls.
 */
export interface TrieNodeStore {
  get(hash: Uint8Array): Uint8Array | undefined;
}

/** `stateVersion` 1 (sp-trie LayoutV1, the default) stores values of 33 bytes or more hashed. */
export interface TrieLayout {
  readonly stateVersion?: 0 | 1;
}

/** Values at least this long are stored as their hash under state version 1 (TRIE_VALUE_NODE_THRESHOLD). */
export const VALUE_NODE_THRESHOLD = 33;

export interface AppliedChanges {
  /** The new state root. */
  readonly root: Uint8Array;
  /**
   * Nodes (and hashed values) the new trie references that this call created, hex hash -> bytes.
   * Persist them before using `root`. Each is reachable from `root`.
   */
  readonly inserted: Map<string, Uint8Array>;
  /**
   * Hex hashes the old trie referenced that the new one replaced. Informational only: the same
   * node may still be referenced elsewhere (identical subtrees, identical values, older states),
   * so a store must not delete on this list alone (see @darwin/node's db: reference counts).
   */
  readonly removed: string[];
}

export type TrieChange = readonly [key: Uint8Array, value: Uint8Array | null];

const decoded = new WeakMap<Uint8Array, DecodedNode>();

function decodeCached(encoded: Uint8Array): DecodedNode {
  let node = decoded.get(encoded);
  if (node === undefined) {
    node = decodeNode(encoded);
    decoded.set(encoded, node);
  }
  return node;
}

/** Loads a child reference: a hash is looked up in the store, an inline reference is the node. */
export function loadNode(store: TrieNodeStore, ref: ChildRef): DecodedNode {
  if (ref.length === HASH_LENGTH) {
    const encoded = store.get(ref);
    if (encoded === undefined) {
      throw new TrieError("MISSING_NODE", `trie node 0x${toHex(ref)} is not in the store`);
    }
    return decodeCached(encoded);
  }
  return decodeCached(ref);
}

function readValue(store: TrieNodeStore, value: NodeValue): Uint8Array {
  if (value.kind === "inline") return value.bytes;
  const bytes = store.get(value.hash);
  if (bytes === undefined) {
    throw new TrieError("MISSING_NODE", `value node 0x${toHex(value.hash)} is not in the store`);
  }
  return bytes;
}

function isEmptyRoot(root: Uint8Array): boolean {
  return bytesEqual(root, EMPTY_ROOT);
}

/** The value stored under `key` in the trie at `root`, or undefined. */
export function trieGet(store: TrieNodeStore, root: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  const value = lookupValue(store, root, key);
  return value === undefined ? undefined : readValue(store, value);
}

/** Walks to `key`; every node it loads goes through `store` (proof recording hooks in here). */
export function lookupValue(store: TrieNodeStore, root: Uint8Array, key: Uint8Array): NodeValue | undefined {
  if (isEmptyRoot(root)) return undefined;
  const nibbles = bytesToNibbles(key);
  let ref: ChildRef = root;
  let offset = 0;
  for (;;) {
    const node = loadNode(store, ref);
    const p = node.partial;
    if (nibbles.length - offset < p.length) return undefined;
    for (let i = 0; i < p.length; i++) if (nibbles[offset + i] !== p[i]) return undefined;
    offset += p.length;
    if (offset === nibbles.length) return node.value;
    const child = node.child(nibbles[offset]!);
    if (child === undefined) return undefined;
    ref = child;
    offset++;
  }
}

// ---------------------------------------------------------------------------------------------
// Batched updates. Nodes touched by the batch become private mutable copies (`WorkNode`);
// everything else stays a reference to its encoding and is never re-encoded.

interface WorkNode {
  partial: Uint8Array;
  value: NodeValue | undefined;
  children: Array<Ref | undefined> | undefined;
}

type Ref = ChildRef | WorkNode;

function valuesEqual(a: NodeValue, b: NodeValue): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind === "inline"
    ? bytesEqual(a.bytes, (b as { bytes: Uint8Array }).bytes)
    : bytesEqual(a.hash, (b as { hash: Uint8Array }).hash);
}

function concatNibbles(a: Uint8Array, nibble: number, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + 1 + b.length);
  out.set(a, 0);
  out[a.length] = nibble;
  out.set(b, a.length + 1);
  return out;
}

class Batch {
  readonly #store: TrieNodeStore;
  readonly #valueThreshold: number;
  /** Replaced stored nodes and dropped hashed values; turned into hex only if asked for. */
  readonly removed: Uint8Array[] = [];
  readonly inserted = new Map<string, Uint8Array>();
  /** Hashed values created by this batch, hex -> value; persisted only if still referenced at commit. */
  readonly #newValues = new Map<string, Uint8Array>();

  constructor(store: TrieNodeStore, layout: TrieLayout) {
    this.#store = store;
    this.#valueThreshold = (layout.stateVersion ?? 1) === 1 ? VALUE_NODE_THRESHOLD : Number.POSITIVE_INFINITY;
  }

  makeValue(bytes: Uint8Array): NodeValue {
    if (bytes.length < this.#valueThreshold) return { kind: "inline", bytes };
    const hash = blake2_256(bytes);
    this.#newValues.set(toHex(hash), bytes);
    return { kind: "hashed", hash };
  }

  #view(ref: Ref): DecodedNode | WorkNode {
    return ref instanceof Uint8Array ? loadNode(this.#store, ref) : ref;
  }

  static #childOf(node: DecodedNode | WorkNode, index: number): Ref | undefined {
    return node instanceof DecodedNode ? node.child(index) : node.children?.[index];
  }

  /** Copy-on-write: the node as a private mutable copy (its stored version counts as removed). */
  #own(ref: Ref, loaded?: DecodedNode | WorkNode): WorkNode {
    if (!(ref instanceof Uint8Array)) return ref;
    const node = loaded instanceof DecodedNode ? loaded : loadNode(this.#store, ref);
    if (ref.length === HASH_LENGTH) this.removed.push(ref);
    return {
      partial: node.partial,
      value: node.value,
      children: node.children,
    };
  }

  #dropValue(value: NodeValue | undefined): void {
    if (value?.kind === "hashed") this.removed.push(value.hash);
  }

  insert(ref: Ref | undefined, key: Uint8Array, offset: number, value: NodeValue): Ref {
    if (ref === undefined) return { partial: key.slice(offset), value, children: undefined };
    const node = this.#view(ref);
    const p = node.partial;
    const room = key.length - offset;
    let c = 0;
    while (c < p.length && c < room && p[c] === key[offset + c]) c++;
    if (c === p.length) {
      if (offset + c === key.length) {
        if (node.value !== undefined && valuesEqual(node.value, value)) return ref;
        const w = this.#own(ref, node);
        this.#dropValue(w.value);
        w.value = value;
        return w;
      }
      const index = key[offset + c]!;
      const child = Batch.#childOf(node, index);
      const updated = this.insert(child, key, offset + c + 1, value);
      if (updated === child) return ref;
      const w = this.#own(ref, node);
      if (w.children === undefined) w.children = new Array<Ref | undefined>(16).fill(undefined);
      w.children[index] = updated;
      return w;
    }
    // The key leaves this node's partial key at `c`: a branch takes the common part.
    const existing = this.#own(ref, node);
    const branch: WorkNode = {
      partial: p.slice(0, c),
      value: undefined,
      children: new Array<Ref | undefined>(16).fill(undefined),
    };
    existing.partial = p.slice(c + 1);
    branch.children![p[c]!] = existing;
    if (offset + c === key.length) branch.value = value;
    else
      branch.children![key[offset + c]!] = { partial: key.slice(offset + c + 1), value, children: undefined };
    return branch;
  }

  remove(ref: Ref | undefined, key: Uint8Array, offset: number): Ref | undefined {
    if (ref === undefined) return undefined;
    const node = this.#view(ref);
    const p = node.partial;
    if (key.length - offset < p.length) return ref;
    for (let i = 0; i < p.length; i++) if (key[offset + i] !== p[i]) return ref;
    const end = offset + p.length;
    if (end === key.length) {
      if (node.value === undefined) return ref;
      const w = this.#own(ref, node);
      this.#dropValue(w.value);
      w.value = undefined;
      return this.#normalize(w);
    }
    const index = key[end]!;
    const child = Batch.#childOf(node, index);
    if (child === undefined) return ref;
    const updated = this.remove(child, key, end + 1);
    if (updated === child) return ref;
    const w = this.#own(ref, node);
    w.children![index] = updated;
    return this.#normalize(w);
  }

  /** Restores the no-extension-node shape after a removal. */
  #normalize(w: WorkNode): Ref | undefined {
    let count = 0;
    let only = -1;
    if (w.children !== undefined) {
      for (let i = 0; i < 16; i++) {
        if (w.children[i] !== undefined) {
          count++;
          only = i;
        }
      }
      if (count === 0) w.children = undefined;
    }
    if (w.children === undefined) return w.value === undefined ? undefined : w;
    if (w.value !== undefined || count > 1) return w;
    // A value-less branch with one child folds into that child.
    const child = this.#own(w.children[only]!);
    child.partial = concatNibbles(w.partial, only, child.partial);
    return child;
  }

  /** Encodes what changed, bottom-up; unchanged references pass through untouched. */
  commit(ref: Ref, isRoot: boolean): ChildRef {
    if (ref instanceof Uint8Array) {
      if (isRoot && ref.length !== HASH_LENGTH) return this.#store32(ref);
      return ref;
    }
    let encoded: Uint8Array;
    if (ref.children === undefined) {
      encoded = encodeLeaf(ref.partial, ref.value!);
    } else {
      const refs = new Array<ChildRef | undefined>(16);
      for (let i = 0; i < 16; i++) {
        const c = ref.children[i];
        refs[i] = c === undefined ? undefined : this.commit(c, false);
      }
      encoded = encodeBranch(ref.partial, ref.value, refs);
    }
    if (ref.value?.kind === "hashed") {
      const hex = toHex(ref.value.hash);
      const bytes = this.#newValues.get(hex);
      if (bytes !== undefined) this.inserted.set(hex, bytes);
    }
    if (isRoot || encoded.length >= HASH_LENGTH) return this.#store32(encoded);
    return encoded;
  }

  #store32(encoded: Uint8Array): Uint8Array {
    const hash = blake2_256(encoded);
    this.inserted.set(toHex(hash), encoded);
    return hash;
  }
}

/** Sorts and de-duplicates changes (the last change to a key wins). */
function normaliseChanges(changes: Iterable<TrieChange>): TrieChange[] {
  // Array#sort is stable, so within a run of equal keys the last one given is the last one sorted.
  const sorted = Array.from(changes).sort((a, b) => compareBytes(a[0], b[0]));
  const out: TrieChange[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const next = sorted[i + 1];
    if (next !== undefined && bytesEqual(next[0], sorted[i]![0])) continue;
    out.push(sorted[i]!);
  }
  return out;
}

/**
 * Applies `changes` (value `null` deletes) to the trie at `root` and returns the new root with the
 * nodes to persist. Synchronous; only nodes on changed paths are decoded and re-encoded.
 */
export function applyChanges(
  store: TrieNodeStore,
  root: Uint8Array,
  changes: Iterable<TrieChange>,
  layout: TrieLayout = {},
): AppliedChanges {
  const batch = new Batch(store, layout);
  let current: Ref | undefined = isEmptyRoot(root) ? undefined : root;
  for (const [key, value] of normaliseChanges(changes)) {
    const nibbles = bytesToNibbles(key);
    current =
      value === null
        ? batch.remove(current, nibbles, 0)
        : batch.insert(current, nibbles, 0, batch.makeValue(value));
  }
  const newRoot = current === undefined ? EMPTY_ROOT : batch.commit(current, true);
  let removed: string[] | undefined;
  return {
    root: newRoot,
    inserted: batch.inserted,
    // Computed on first use: most callers (the node's db counts references) never read it.
    get removed(): string[] {
      if (removed === undefined) {
        const unique = new Set<string>();
        for (const ref of batch.removed) unique.add(toHex(ref));
        removed = [...unique].filter((hex) => !batch.inserted.has(hex));
      }
      return removed;
    },
  };
}

/** The root of a trie holding exactly `entries` (genesis, tests). Later duplicates win. */
export function rootOf(
  entries: Iterable<readonly [Uint8Array, Uint8Array]>,
  layout: TrieLayout = {},
): Uint8Array {
  return buildTrie(entries, layout).root;
}

/** Builds a whole trie from scratch: its root and every node, for a genesis state. */
export function buildTrie(
  entries: Iterable<readonly [Uint8Array, Uint8Array]>,
  layout: TrieLayout = {},
): { root: Uint8Array; nodes: Map<string, Uint8Array> } {
  const empty: TrieNodeStore = { get: () => undefined };
  const { root, inserted } = applyChanges(empty, EMPTY_ROOT, entries, layout);
  return { root, nodes: inserted };
}

// ---------------------------------------------------------------------------------------------
// Ordered iteration.

interface Entry {
  readonly key: Uint8Array;
  readonly value: NodeValue;
}

/**
 * Yields entries in key order, starting at the first key >= `seek` (nibbles) when given. Subtrees
 * wholly before `seek` are not loaded.
 */
function* walk(
  store: TrieNodeStore,
  ref: ChildRef,
  path: number[],
  seek: Uint8Array | undefined,
): Generator<Entry> {
  const node = loadNode(store, ref);
  const base = path.length;
  for (const n of node.partial) path.push(n);
  let bound = seek;
  if (bound !== undefined) {
    const m = Math.min(path.length, bound.length);
    let cmp = 0;
    for (let i = 0; i < m && cmp === 0; i++) cmp = path[i]! - bound[i]!;
    if (cmp < 0) {
      path.length = base;
      return;
    }
    if (cmp > 0 || path.length >= bound.length) bound = undefined;
  }
  if (bound === undefined && node.value !== undefined) {
    yield { key: nibblesToBytes(Uint8Array.from(path)), value: node.value };
  }
  if (node.isBranch) {
    const first = bound === undefined ? 0 : bound[path.length]!;
    for (let i = first; i < 16; i++) {
      const child = node.child(i);
      if (child === undefined) continue;
      path.push(i);
      yield* walk(store, child, path, i === first ? bound : undefined);
      path.pop();
    }
  }
  path.length = base;
}

function entriesFrom(store: TrieNodeStore, root: Uint8Array, start: Uint8Array): Generator<Entry> | [] {
  if (isEmptyRoot(root)) return [];
  return walk(store, root, [], bytesToNibbles(start));
}

/** The first key strictly greater than `key` (lexicographic byte order), as `sp_io::storage::next_key`. */
export function trieNextKey(store: TrieNodeStore, root: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  // key ++ 0x00 is the smallest byte string greater than key.
  const start = new Uint8Array(key.length + 1);
  start.set(key);
  for (const entry of entriesFrom(store, root, start)) return entry.key;
  return undefined;
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

/**
 * Keys starting with `prefix`, in order, strictly after `startKey` when given, at most `limit`
 * (state_getKeysPaged semantics).
 */
export function trieKeysWithPrefix(
  store: TrieNodeStore,
  root: Uint8Array,
  prefix: Uint8Array,
  startKey?: Uint8Array,
  limit = Number.POSITIVE_INFINITY,
): Uint8Array[] {
  return trieEntriesWithPrefix(store, root, prefix, startKey, limit).map(([key]) => key);
}

/** Like `trieKeysWithPrefix` with the values. */
export function trieEntriesWithPrefix(
  store: TrieNodeStore,
  root: Uint8Array,
  prefix: Uint8Array,
  startKey?: Uint8Array,
  limit = Number.POSITIVE_INFINITY,
): Array<[Uint8Array, Uint8Array]> {
  const out: Array<[Uint8Array, Uint8Array]> = [];
  if (limit <= 0) return out;
  let start = prefix;
  if (startKey !== undefined) {
    const after = new Uint8Array(startKey.length + 1);
    after.set(startKey);
    if (compareBytes(after, prefix) > 0) start = after;
  }
  for (const entry of entriesFrom(store, root, start)) {
    if (!startsWith(entry.key, prefix)) break;
    out.push([entry.key, readValue(store, entry.value)]);
    if (out.length >= limit) break;
  }
  return out;
}
