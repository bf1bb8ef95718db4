import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Counter, Histogram, type Logger, type Registry } from "@darwin/observability";
import {
  bytesEqual,
  decodeNode,
  EMPTY_ROOT,
  HASH_LENGTH,
  type TrieNodeStore,
  toHex,
  trieEntriesWithPrefix,
  trieGet,
  trieKeysWithPrefix,
  trieNextKey,
} from "@darwin/trie";
import { type Database, open, type RootDatabase, TransactionFlags } from "lmdb";
import { LruCache } from "./node-cache.ts";

/** Bumped when the on-disk layout changes; a database of another version is refused, not migrated. */
export const DB_VERSION = 1;

/**
 * `archive` keeps every state; `{ keepFinalized: n }` keeps the states of the last n finalized
 * blocks (Substrate's `--state-pruning <n>`) plus every block not yet finalized.
 */
export type StatePruning = "archive" | { readonly keepFinalized: number };

export type DbErrorCode =
  | "STATE_UNAVAILABLE"
  | "UNKNOWN_BLOCK"
  | "INVALID_BLOCK"
  | "GENESIS_MISMATCH"
  | "VERSION_MISMATCH"
  | "PRUNING_MISMATCH"
  | "MISSING_NODE"
  | "BELOW_FINALIZED"
  | "CLOSED";

export class DbError extends Error {
  readonly code: DbErrorCode;
  constructor(code: DbErrorCode, message: string) {
    super(message);
    this.name = "DbError";
    this.code = code;
  }
}

export interface BlockPointer {
  readonly hash: Uint8Array;
  readonly number: number;
}

export interface BlockInfo extends BlockPointer {
  readonly parentHash: Uint8Array;
  readonly stateRoot: Uint8Array;
}

export interface CommitBlockInput {
  readonly hash: Uint8Array;
  readonly number: number;
  readonly parentHash: Uint8Array;
  /** The SCALE-encoded header, stored as given. */
  readonly header: Uint8Array;
  /** The SCALE-encoded body (extrinsics), stored as given. */
  readonly body: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly justification?: Uint8Array;
  /** Nodes created by the block's state changes (`applyChanges(...).inserted`). */
  readonly trieNodes: ReadonlyMap<string, Uint8Array>;
  /** Make this block the best block (the canonical index follows it, reorganising if needed). */
  readonly setBest?: boolean;
  /** Finalize this block (implies best if it is not already on the best chain). */
  readonly finalize?: boolean;
}

/** Reads one state (the trie at `root`); throws `TrieError` MISSING_NODE if pruned meanwhile. */
export interface StateReader {
  readonly root: Uint8Array;
  get(key: Uint8Array): Uint8Array | undefined;
  /** The first key strictly after `key`. */
  nextKey(key: Uint8Array): Uint8Array | undefined;
  /** state_getKeysPaged: up to `count` keys with `prefix`, strictly after `startKey` when given. */
  keysPaged(prefix: Uint8Array, count: number, startKey?: Uint8Array): Uint8Array[];
  entriesPaged(prefix: Uint8Array, count: number, startKey?: Uint8Array): Array<[Uint8Array, Uint8Array]>;
}

export interface ChainDbOpts {
  /** The database folder, usually `chainDbPath(basePath, chainId)`. */
  readonly path: string;
  readonly statePruning?: StatePruning;
  /** Trie nodes kept decoded in memory (default 200,000). */
  readonly nodeCacheEntries?: number;
  /**
   * lmdb's MDB_WRITEMAP (default true): commits write straight into the memory map instead of
   * copying dirty pages, 2-3x faster for a block's thousands of random-key node writes. Commits
   * stay copy-on-write and atomic, so a killed process still finds the last committed block.
   */
  readonly writeMap?: boolean;
  /**
   * Whether commits are flushed to disk (default true). A temporary database (`--tmp`, `--dev`
   * without `--base-path`) is deleted on exit, so it skips the fsyncs that otherwise cost each block
   * about 1-7 ms here; commits stay atomic and survive a killed process (they are in the page cache).
   */
  readonly durable?: boolean;
}

export interface ChainDbModules {
  readonly logger: Logger;
  /** Database metrics go here when given (commit time, nodes written and pruned, cache hits). */
  readonly registry?: Registry;
}

interface DbMetrics {
  readonly commitSeconds: Histogram;
  readonly nodesWritten: Counter;
  readonly nodesPruned: Counter;
  readonly cacheLookups: Counter<"result">;
}

function createDbMetrics(registry: Registry): DbMetrics {
  const registers = [registry];
  return {
    commitSeconds: new Histogram({
      name: "darwin_db_commit_seconds",
      help: "Time to write one block (or finality change) to the chain database, until durable",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    nodesWritten: new Counter({
      name: "darwin_db_trie_nodes_written_total",
      help: "Trie nodes and hashed values written by committed blocks",
      registers,
    }),
    nodesPruned: new Counter({
      name: "darwin_db_trie_nodes_pruned_total",
      help: "Trie nodes and hashed values deleted by state pruning",
      registers,
    }),
    cacheLookups: new Counter({
      name: "darwin_db_node_cache_lookups_total",
      help: "Trie node reads by outcome: served from the node cache (hit) or from lmdb (miss)",
      labelNames: ["result"],
      registers,
    }),
  };
}

export interface ChainDb {
  readonly path: string;
  readonly statePruning: StatePruning;
  genesisHash(): Uint8Array | undefined;
  best(): BlockPointer | undefined;
  finalized(): BlockPointer | undefined;
  /** Writes a block and its state atomically; resolves once the write is durable. */
  commitBlock(block: CommitBlockInput): Promise<void>;
  /** Makes a stored block the best one (re-pointing the canonical index). */
  setBest(hash: Uint8Array): Promise<void>;
  /** Finalizes a stored block, optionally storing its justification, then prunes old state. */
  finalize(hash: Uint8Array, justification?: Uint8Array): Promise<void>;
  hasBlock(hash: Uint8Array): boolean;
  blockInfo(hash: Uint8Array): BlockInfo | undefined;
  header(hash: Uint8Array): Uint8Array | undefined;
  body(hash: Uint8Array): Uint8Array | undefined;
  justification(hash: Uint8Array): Uint8Array | undefined;
  /** The canonical (best-chain) block hash at `number`. */
  canonicalHash(number: number): Uint8Array | undefined;
  /** Every stored block at `number`, forks included. */
  blocksAt(number: number): Uint8Array[];
  /** Trie nodes, read through an LRU cache, for @darwin/trie. */
  readonly nodeStore: TrieNodeStore;
  /** Whether the state with this root is still stored. */
  hasState(root: Uint8Array): boolean;
  stateAt(root: Uint8Array): StateReader;
  stateAtBlock(hash: Uint8Array): StateReader;
  /** Hex hashes of every stored trie node and value (diagnostics and tests; walks the whole table). */
  storedNodeHashes(): string[];
  close(): Promise<void>;
}

/** Substrate's layout: `<base-path>/chains/<chain id>/db/`. */
export function chainDbPath(basePath: string, chainId: string): string {
  return join(basePath, "chains", chainId, "db");
}

function buf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function numberKey(n: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt32BE(n);
  return key;
}

function heightKey(n: number, hash: Uint8Array): Buffer {
  const key = Buffer.alloc(4 + hash.length);
  key.writeUInt32BE(n);
  key.set(hash, 4);
  return key;
}

interface StoredInfo {
  readonly number: number;
  readonly parentHash: Uint8Array;
  readonly stateRoot: Uint8Array;
}

interface StoredPointer {
  readonly hash: Uint8Array;
  readonly number: number;
}

interface PruneCursors {
  /** Canonical heights below this have had their state released. */
  canonical: number;
  /** Non-canonical heights below this have had their state released. */
  forks: number;
}

/**
 * The chain database on lmdb. Layout (one lmdb environment, so one transaction spans all):
 * headers, bodies, justifications and block infos by hash; the canonical index by number; every
 * block by (number, hash); trie nodes by hash; and, when pruning, a reference count per node and
 * the state root each block still holds.
 *
 * Pruning is reference counting, not a delete list: a node's count is the number of stored
 * parent nodes referencing it plus the number of blocks holding it as their state root. A node is
 * deleted only when its count reaches zero, so no node reachable from a retained state can go,
 * however often identical subtrees or values recur across keys and blocks.
 */
export function openChainDb(opts: ChainDbOpts, modules: ChainDbModules): ChainDb {
  const logger = modules.logger.child({ module: "db" });
  const statePruning = opts.statePruning ?? "archive";
  const pruned = statePruning !== "archive";
  const keep = statePruning === "archive" ? 0 : statePruning.keepFinalized;
  if (pruned && !(Number.isInteger(keep) && keep >= 1)) {
    throw new DbError("PRUNING_MISMATCH", `state pruning must keep at least 1 block, got ${keep}`);
  }
  const root = openEnvironment(opts);
  const bin = (name: string): Database<Buffer, Buffer> =>
    root.openDB<Buffer, Buffer>({ name, encoding: "binary", keyEncoding: "binary" });
  const meta = root.openDB<unknown, string>({ name: "meta" });
  const headers = bin("headers");
  const bodies = bin("bodies");
  const justifications = bin("justifications");
  const infos = root.openDB<StoredInfo, Buffer>({ name: "block_info", keyEncoding: "binary" });
  const canonical = bin("canonical");
  const byHeight = bin("by_height");
  const nodes = bin("trie_nodes");
  const refs = root.openDB<number, Buffer>({ name: "trie_refs", keyEncoding: "binary" });
  const heldStates = bin("held_states");

  /**
   * Runs one atomic write transaction. The commit is synchronous (readers see it at once, and a
   * killed process keeps it: it is in the OS's page cache); the fsync runs on lmdb's flush thread,
   * so the event loop stays free meanwhile. Callers await `durable()` before reporting success.
   */
  const write = (action: () => void): void => {
    root.transactionSync(
      action,
      TransactionFlags.ABORTABLE | TransactionFlags.SYNCHRONOUS_COMMIT | TransactionFlags.NO_SYNC_FLUSH,
    );
  };
  const durable = async (): Promise<void> => {
    if (opts.durable !== false) await root.flushed;
  };

  const storedVersion = meta.get("version");
  if (storedVersion === undefined) {
    root.transactionSync(() => {
      meta.putSync("version", DB_VERSION);
      meta.putSync("pruning", pruned ? "pruned" : "archive");
    });
  } else if (storedVersion !== DB_VERSION) {
    void root.close();
    throw new DbError(
      "VERSION_MISMATCH",
      `database at ${opts.path} has version ${String(storedVersion)}, this node reads version ${DB_VERSION}`,
    );
  }
  const storedPruning = meta.get("pruning");
  if (storedPruning !== (pruned ? "pruned" : "archive")) {
    void root.close();
    throw new DbError(
      "PRUNING_MISMATCH",
      `database at ${opts.path} was created with ${String(storedPruning)} state; it cannot be opened as ${pruned ? "pruned" : "archive"}`,
    );
  }

  const toPointer = (p: unknown): BlockPointer | undefined => {
    if (p === undefined || p === null) return undefined;
    const sp = p as StoredPointer;
    return { hash: new Uint8Array(sp.hash), number: sp.number };
  };
  let genesis = meta.get("genesis") as Uint8Array | undefined;
  if (genesis !== undefined) genesis = new Uint8Array(genesis);
  let best = toPointer(meta.get("best"));
  let finalized = toPointer(meta.get("finalized"));
  let cursors: PruneCursors = (meta.get("prune_cursors") as PruneCursors | undefined) ?? {
    canonical: 0,
    forks: 0,
  };
  let closed = false;

  const metrics = modules.registry ? createDbMetrics(modules.registry) : undefined;
  const cache = new LruCache<Uint8Array>(opts.nodeCacheEntries ?? 200_000);
  const nodeStore = cachedNodeStore(nodes, cache, metrics);

  const ensureOpen = (): void => {
    if (closed) throw new DbError("CLOSED", "the chain database is closed");
  };

  const readInfo = (hash: Uint8Array): BlockInfo | undefined => {
    const info = infos.get(buf(hash));
    if (info === undefined) return undefined;
    return {
      hash: new Uint8Array(hash),
      number: info.number,
      parentHash: new Uint8Array(info.parentHash),
      stateRoot: new Uint8Array(info.stateRoot),
    };
  };

  const readCanonical = (n: number): Uint8Array | undefined => {
    const v = canonical.get(numberKey(n));
    return v === undefined ? undefined : new Uint8Array(v);
  };

  // --- reference counting (pruned mode) -------------------------------------------------------

  /** Counts one more reference to `rootHash`; stores new nodes from `inserted` as it meets them. */
  const retain = (rootHash: Uint8Array, inserted: ReadonlyMap<string, Uint8Array>): void => {
    if (bytesEqual(rootHash, EMPTY_ROOT)) return;
    const stack: Array<[Uint8Array, boolean]> = [[rootHash, false]];
    while (stack.length > 0) {
      const [hash, isValue] = stack.pop()!;
      const key = buf(hash);
      const count = refs.get(key) ?? 0;
      refs.putSync(key, count + 1);
      if (count > 0) continue;
      const hex = toHex(hash);
      const encoded = inserted.get(hex) ?? nodes.get(key);
      if (encoded === undefined) {
        throw new DbError(
          "MISSING_NODE",
          `state references node 0x${hex}, which is neither stored nor inserted`,
        );
      }
      nodes.putSync(key, buf(encoded));
      if (isValue) continue;
      const node = decodeNode(encoded);
      if (node.value?.kind === "hashed") stack.push([node.value.hash, true]);
      if (node.children !== undefined) {
        for (const child of node.children) if (child?.length === HASH_LENGTH) stack.push([child, false]);
      }
    }
  };

  /** Drops one reference to `rootHash`, deleting every node whose count reaches zero. */
  const release = (rootHash: Uint8Array): number => {
    if (bytesEqual(rootHash, EMPTY_ROOT)) return 0;
    let deleted = 0;
    const stack: Array<[Uint8Array, boolean]> = [[rootHash, false]];
    while (stack.length > 0) {
      const [hash, isValue] = stack.pop()!;
      const key = buf(hash);
      const count = refs.get(key);
      if (count === undefined) {
        logger.warn({ node: toHex(hash) }, "released a trie node that has no reference count");
        continue;
      }
      if (count > 1) {
        refs.putSync(key, count - 1);
        continue;
      }
      refs.removeSync(key);
      const encoded = nodes.get(key);
      nodes.removeSync(key);
      cache.delete(toHex(hash));
      deleted++;
      if (isValue || encoded === undefined) continue;
      const node = decodeNode(new Uint8Array(encoded));
      if (node.value?.kind === "hashed") stack.push([new Uint8Array(node.value.hash), true]);
      if (node.children !== undefined) {
        for (const child of node.children) {
          if (child?.length === HASH_LENGTH) stack.push([new Uint8Array(child), false]);
        }
      }
    }
    return deleted;
  };

  const dropState = (blockHash: Uint8Array): number => {
    const key = buf(blockHash);
    const stateRoot = heldStates.get(key);
    if (stateRoot === undefined) return 0;
    heldStates.removeSync(key);
    return release(new Uint8Array(stateRoot));
  };

  // --- canonical chain, inside a write transaction -------------------------------------------

  const setBestTx = (
    target: BlockInfo,
    currentBest: BlockPointer | undefined,
    fin: BlockPointer | undefined,
  ) => {
    let hash = target.hash;
    let n = target.number;
    for (;;) {
      const existing = readCanonical(n);
      if (existing !== undefined && bytesEqual(existing, hash)) break;
      if (fin !== undefined && n <= fin.number) {
        throw new DbError(
          "BELOW_FINALIZED",
          `block 0x${toHex(target.hash)} does not descend from the finalized block #${fin.number}`,
        );
      }
      canonical.putSync(numberKey(n), buf(hash));
      if (n === 0) break;
      const info = readInfo(hash);
      if (info === undefined) throw new DbError("UNKNOWN_BLOCK", `ancestor 0x${toHex(hash)} is not stored`);
      hash = info.parentHash;
      n--;
    }
    if (currentBest !== undefined) {
      for (let k = target.number + 1; k <= currentBest.number; k++) canonical.removeSync(numberKey(k));
    }
    const pointer = { hash: target.hash, number: target.number };
    meta.putSync("best", pointer);
    return pointer;
  };

  const finalizeTx = (
    target: BlockInfo,
    state: { best: BlockPointer | undefined; finalized: BlockPointer | undefined; cursors: PruneCursors },
  ): number => {
    const fin = state.finalized;
    if (fin !== undefined && target.number < fin.number) {
      throw new DbError(
        "BELOW_FINALIZED",
        `cannot finalize #${target.number}: #${fin.number} is already finalized`,
      );
    }
    const onBest = bytesEqual(readCanonical(target.number) ?? new Uint8Array(), target.hash);
    if (!onBest) state.best = setBestTx(target, state.best, fin);
    state.finalized = { hash: target.hash, number: target.number };
    meta.putSync("finalized", state.finalized);
    if (!pruned) return 0;
    let deleted = 0;
    const next = { ...state.cursors };
    for (let h = next.forks; h <= target.number; h++) {
      const canon = readCanonical(h);
      for (const { key } of byHeight.getRange({ start: numberKey(h), end: numberKey(h + 1) })) {
        const hash = new Uint8Array(key.subarray(4));
        if (canon === undefined || !bytesEqual(canon, hash)) deleted += dropState(hash);
      }
    }
    next.forks = Math.max(next.forks, target.number + 1);
    const lastDropped = target.number - keep;
    for (let h = next.canonical; h <= lastDropped; h++) {
      const canon = readCanonical(h);
      if (canon !== undefined) deleted += dropState(canon);
    }
    next.canonical = Math.max(next.canonical, lastDropped + 1);
    state.cursors = next;
    meta.putSync("prune_cursors", next);
    return deleted;
  };

  const stateAt = (stateRoot: Uint8Array): StateReader => {
    ensureOpen();
    return stateReaderAt(nodeStore, stateRoot);
  };

  const db: ChainDb = {
    path: opts.path,
    statePruning,
    genesisHash: () => genesis,
    best: () => best,
    finalized: () => finalized,

    async commitBlock(block) {
      const started = performance.now();
      ensureOpen();
      if (block.hash.length !== HASH_LENGTH || block.stateRoot.length !== HASH_LENGTH) {
        throw new DbError("INVALID_BLOCK", "block and state root hashes must be 32 bytes");
      }
      const isGenesis = block.number === 0;
      if (isGenesis && genesis !== undefined && !bytesEqual(genesis, block.hash)) {
        throw new DbError(
          "GENESIS_MISMATCH",
          `database holds genesis 0x${toHex(genesis)}, not 0x${toHex(block.hash)}: use another --base-path or purge-chain`,
        );
      }
      if (!isGenesis) {
        const parent = readInfo(block.parentHash);
        if (parent === undefined) {
          throw new DbError(
            "UNKNOWN_BLOCK",
            `parent 0x${toHex(block.parentHash)} of #${block.number} is not stored`,
          );
        }
        if (parent.number !== block.number - 1) {
          throw new DbError("INVALID_BLOCK", `#${block.number} cannot have parent #${parent.number}`);
        }
        if (finalized !== undefined && block.number <= finalized.number) {
          throw new DbError(
            "BELOW_FINALIZED",
            `#${block.number} is at or below the finalized block #${finalized.number}`,
          );
        }
      }
      const exists = infos.get(buf(block.hash)) !== undefined;
      const state = { best, finalized, cursors };
      let deleted = 0;
      write(() => {
        if (!exists) {
          const key = buf(block.hash);
          headers.putSync(key, buf(block.header));
          bodies.putSync(key, buf(block.body));
          infos.putSync(key, {
            number: block.number,
            parentHash: block.parentHash,
            stateRoot: block.stateRoot,
          });
          byHeight.putSync(heightKey(block.number, block.hash), Buffer.alloc(0));
          if (pruned) {
            retain(block.stateRoot, block.trieNodes);
            heldStates.putSync(key, buf(block.stateRoot));
          } else {
            for (const [hex, encoded] of block.trieNodes)
              nodes.putSync(Buffer.from(hex, "hex"), buf(encoded));
          }
        }
        if (block.justification !== undefined)
          justifications.putSync(buf(block.hash), buf(block.justification));
        const info: BlockInfo = {
          hash: block.hash,
          number: block.number,
          parentHash: block.parentHash,
          stateRoot: block.stateRoot,
        };
        if (isGenesis && genesis === undefined) {
          meta.putSync("genesis", buf(block.hash));
          state.best = setBestTx(info, undefined, undefined);
          state.finalized = { hash: block.hash, number: 0 };
          meta.putSync("finalized", state.finalized);
        }
        if (block.setBest === true && !block.finalize)
          state.best = setBestTx(info, state.best, state.finalized);
        if (block.finalize === true) {
          if (block.setBest === true) state.best = setBestTx(info, state.best, state.finalized);
          deleted = finalizeTx(info, state);
        }
      });
      // Only a committed transaction moves the in-memory pointers.
      if (isGenesis && genesis === undefined) genesis = new Uint8Array(block.hash);
      best = state.best;
      finalized = state.finalized;
      cursors = state.cursors;
      if (!exists) {
        // Recently written nodes are the likeliest to be read next (the next block builds on them).
        for (const [hex, encoded] of block.trieNodes) cache.set(hex, encoded);
      }
      if (deleted > 0) logger.debug({ deleted, block: block.number }, "pruned trie nodes");
      await durable();
      if (metrics !== undefined) {
        if (!exists) metrics.nodesWritten.inc(block.trieNodes.size);
        metrics.nodesPruned.inc(deleted);
        metrics.commitSeconds.observe((performance.now() - started) / 1000);
      }
    },

    async setBest(hash) {
      ensureOpen();
      const info = readInfo(hash);
      if (info === undefined) throw new DbError("UNKNOWN_BLOCK", `block 0x${toHex(hash)} is not stored`);
      let next = best;
      write(() => {
        next = setBestTx(info, best, finalized);
      });
      best = next;
      await durable();
    },

    async finalize(hash, justification) {
      const started = performance.now();
      ensureOpen();
      const info = readInfo(hash);
      if (info === undefined) throw new DbError("UNKNOWN_BLOCK", `block 0x${toHex(hash)} is not stored`);
      const state = { best, finalized, cursors };
      let deleted = 0;
      write(() => {
        if (justification !== undefined) justifications.putSync(buf(hash), buf(justification));
        deleted = finalizeTx(info, state);
      });
      best = state.best;
      finalized = state.finalized;
      cursors = state.cursors;
      await durable();
      metrics?.nodesPruned.inc(deleted);
      metrics?.commitSeconds.observe((performance.now() - started) / 1000);
    },

    hasBlock: (hash) => infos.get(buf(hash)) !== undefined,
    blockInfo: (hash) => readInfo(hash),
    header: (hash) => {
      const v = headers.get(buf(hash));
      return v === undefined ? undefined : new Uint8Array(v);
    },
    body: (hash) => {
      const v = bodies.get(buf(hash));
      return v === undefined ? undefined : new Uint8Array(v);
    },
    justification: (hash) => {
      const v = justifications.get(buf(hash));
      return v === undefined ? undefined : new Uint8Array(v);
    },
    canonicalHash: (n) => readCanonical(n),
    blocksAt: (n) =>
      [...byHeight.getKeys({ start: numberKey(n), end: numberKey(n + 1) })].map(
        (key) => new Uint8Array(key.subarray(4)),
      ),
    nodeStore,
    hasState: (stateRoot) => bytesEqual(stateRoot, EMPTY_ROOT) || nodeStore.get(stateRoot) !== undefined,
    stateAt,
    stateAtBlock(hash) {
      const info = readInfo(hash);
      if (info === undefined) throw new DbError("UNKNOWN_BLOCK", `block 0x${toHex(hash)} is not stored`);
      return stateAt(info.stateRoot);
    },
    storedNodeHashes: () => {
      ensureOpen();
      return [...nodes.getKeys()].map((key) => key.toString("hex"));
    },
    async close() {
      if (closed) return;
      closed = true;
      cache.clear();
      await root.close();
    },
  };
  logger.info(
    { path: opts.path, pruning: pruned ? `keep ${keep} finalized` : "archive", best: best?.number },
    "Opened chain database",
  );
  return db;
}

export interface StateViewOpts {
  /** The same folder and flags the node opened with `openChainDb`: lmdb shares one environment. */
  readonly path: string;
  readonly writeMap?: boolean;
  readonly durable?: boolean;
  readonly nodeCacheEntries?: number;
}

/** Read access to state by root from another thread of the node's process (the authorship worker). */
export interface StateView {
  readonly nodeStore: TrieNodeStore;
  stateAt(root: Uint8Array): StateReader;
  /** Moves reads to the latest commit (a thread keeps its read snapshot until told). */
  refresh(): void;
}

export function openStateView(opts: StateViewOpts): StateView {
  const root = openEnvironment(opts);
  const nodes = root.openDB<Buffer, Buffer>({
    name: "trie_nodes",
    encoding: "binary",
    keyEncoding: "binary",
  });
  const nodeStore = cachedNodeStore(nodes, new LruCache<Uint8Array>(opts.nodeCacheEntries ?? 50_000));
  return {
    nodeStore,
    stateAt: (stateRoot) => stateReaderAt(nodeStore, stateRoot),
    // No close: the environment is the node's, shared with its main thread, which closes it.
    refresh() {
      root.resetReadTxn();
    },
  };
}

/** The lmdb environment: one per process and path, so every opener passes the same flags. */
function openEnvironment(opts: {
  readonly path: string;
  readonly writeMap?: boolean;
  readonly durable?: boolean;
}): RootDatabase {
  const dir = join(opts.path, "full");
  mkdirSync(dir, { recursive: true });
  return open({
    path: join(dir, "data.mdb"),
    maxDbs: 16,
    noSubdir: true,
    useWritemap: opts.writeMap ?? true,
    ...(opts.durable === false ? { noSync: true } : {}),
  });
}

/** Trie nodes by hash through an LRU cache; nodes are addressed by their hash, so never stale. */
function cachedNodeStore(
  nodes: Database<Buffer, Buffer>,
  cache: LruCache<Uint8Array>,
  metrics?: Pick<DbMetrics, "cacheLookups">,
): TrieNodeStore {
  return {
    get(hash) {
      const hex = toHex(hash);
      const cached = cache.get(hex);
      if (cached !== undefined) {
        metrics?.cacheLookups.inc({ result: "hit" });
        return cached;
      }
      metrics?.cacheLookups.inc({ result: "miss" });
      const stored = nodes.get(buf(hash));
      if (stored === undefined) return undefined;
      const bytes = new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
      cache.set(hex, bytes);
      return bytes;
    },
  };
}

function stateReaderAt(nodeStore: TrieNodeStore, stateRoot: Uint8Array): StateReader {
  if (!bytesEqual(stateRoot, EMPTY_ROOT) && nodeStore.get(stateRoot) === undefined)
    throw new DbError("STATE_UNAVAILABLE", `State already discarded for root 0x${toHex(stateRoot)}`);
  return {
    root: stateRoot,
    get: (key) => trieGet(nodeStore, stateRoot, key),
    nextKey: (key) => trieNextKey(nodeStore, stateRoot, key),
    keysPaged: (prefix, count, startKey) => trieKeysWithPrefix(nodeStore, stateRoot, prefix, startKey, count),
    entriesPaged: (prefix, count, startKey) =>
      trieEntriesWithPrefix(nodeStore, stateRoot, prefix, startKey, count),
  };
}
