import { blake2_256 } from "@darwin/crypto";
import { Counter, Gauge, type Logger, type Registry, silentLogger } from "@darwin/observability";
import { toHex } from "@darwin/scale";
import { PoolError } from "./errors.ts";
import { BinaryHeap } from "./heap.ts";
import type {
  BlockRef,
  Clock,
  ImportedBlock,
  PooledTx,
  PoolValidator,
  TransactionSource,
  TxStatus,
  ValidTransaction,
} from "./interface.ts";
import { type PoolOptions, resolvePoolOptions } from "./options.ts";
import { TxWatcher } from "./watcher.ts";

type Hex = `0x${string}`;

export interface PoolModules {
  readonly validator: PoolValidator;
  readonly logger?: Logger;
  /** Registry to publish `substrate_ready_transactions_number` and the txpool counters into. */
  readonly registry?: Registry;
  readonly clock?: Clock;
}

/** The pool's own record of a transaction: `PooledTx` plus hex keys and bookkeeping. */
interface Entry extends PooledTx {
  priority: bigint;
  requires: readonly Uint8Array[];
  provides: readonly Uint8Array[];
  longevity: bigint;
  propagate: boolean;
  validTill: number;
  requiresHex: Hex[];
  providesHex: Hex[];
  /** Last queue the transaction was announced in, so re-imports only emit real changes. */
  state: "ready" | "future" | undefined;
}

interface FutureEntry {
  readonly tx: Entry;
  /** Required tags neither ready transactions nor recent blocks provide yet. */
  readonly missing: Set<Hex>;
}

interface EvictionKey {
  readonly priority: bigint;
  readonly insertionId: number;
  readonly hashHex: Hex;
}

/** Result of one import into the ready queue, with everything it set in motion. */
interface ReadyImport {
  readonly promoted: Entry[];
  readonly failed: Entry[];
  readonly replaced: Array<{ readonly tx: Entry; readonly by: Entry }>;
  readonly demoted: Entry[];
}

/** How many blocks' worth of pruned tags count as satisfied for incoming transactions (as Substrate). */
const RECENTLY_PRUNED_BLOCKS = 2;
/** Validations that race with block imports are retried at the newer block at most this often. */
const MAX_REVALIDATE_ON_RACE = 3;
const MAX_LONGEVITY = 2 ** 52;

/**
 * A Substrate-style transaction pool (sc-transaction-pool's graph): transactions carry opaque
 * `requires`/`provides` tags from the runtime; a transaction is ready when every tag it requires is
 * provided by a ready transaction or already satisfied on chain, and waits in the future queue
 * otherwise. Every index is keyed by tag or hash, so submits cost O(tags) and reading the ready set
 * in inclusion order costs O(n log n).
 */
export class TransactionPool {
  readonly options: PoolOptions;
  private readonly validator: PoolValidator;
  private readonly logger: Logger;
  private readonly clock: Clock;

  private readonly readyTxs = new Map<Hex, Entry>();
  /** tag -> the ready transaction providing it */
  private readonly readyProvided = new Map<Hex, Hex>();
  /** tag -> ready transactions requiring it */
  private readonly readyRequiredBy = new Map<Hex, Set<Hex>>();
  private readyBytes = 0;
  /** Min-heap of ready transactions by (priority, age) for limit enforcement; stale keys skipped lazily. */
  private evictionHeap = new BinaryHeap<EvictionKey>(worseForEviction);

  private readonly futureTxs = new Map<Hex, FutureEntry>();
  /** tag -> future transactions still missing it */
  private readonly futureWanted = new Map<Hex, Set<Hex>>();
  private futureBytes = 0;

  /** hash -> ban expiry (clock ms); insertion order is expiry order since the ban time is fixed. */
  private readonly banned = new Map<Hex, number>();
  private recentlyPruned: Set<Hex>[] = [];
  /** Pool transactions in revalidation order (least recently validated first). */
  private readonly revalidationQueue = new Set<Hex>();
  /** When the last background revalidation batch started (pool clock). */
  private lastBackgroundRevalidation = Number.NEGATIVE_INFINITY;

  private readonly watchers = new Map<Hex, Set<TxWatcher>>();
  /** Watched transactions that are in a block but not finalized yet. */
  private readonly watchedInBlock = new Map<Hex, { readonly block: Hex; readonly number: number }>();
  private readonly pendingEvents: Array<readonly [Hex, TxStatus]> = [];

  private nextInsertionId = 0;
  private best: BlockRef | undefined;
  private maintenance: Promise<void> = Promise.resolve();

  private readonly metrics:
    | {
        readonly submitted: Counter;
        readonly invalid: Counter;
        readonly pruned: Counter;
        readonly resubmitted: Counter;
      }
    | undefined;

  constructor(opts: Partial<PoolOptions>, modules: PoolModules) {
    this.options = resolvePoolOptions(opts);
    this.validator = modules.validator;
    this.logger = (modules.logger ?? silentLogger()).child({ module: "txpool" });
    this.clock = modules.clock ?? { now: () => Date.now() };
    if (modules.registry) {
      const registers = [modules.registry];
      const readyTxs = this.readyTxs;
      new Gauge({
        name: "substrate_ready_transactions_number",
        help: "Number of transactions in the ready queue",
        registers,
        collect() {
          this.set(readyTxs.size);
        },
      });
      this.metrics = {
        submitted: new Counter({
          name: "substrate_sub_txpool_submitted_transactions",
          help: "Total number of transactions submitted",
          registers,
        }),
        invalid: new Counter({
          name: "substrate_sub_txpool_validations_invalid",
          help: "Total number of transactions that were removed from the pool as invalid",
          registers,
        }),
        pruned: new Counter({
          name: "substrate_sub_txpool_block_transactions_pruned",
          help: "Total number of transactions that was requested to be pruned by block events",
          registers,
        }),
        resubmitted: new Counter({
          name: "substrate_sub_txpool_block_transactions_resubmitted",
          help: "Total number of transactions that was requested to be resubmitted by block events",
          registers,
        }),
      };
    }
  }

  // ------------------------------------------------------------------ queries

  status(): { ready: number; future: number; readyBytes: number; futureBytes: number } {
    return {
      ready: this.readyTxs.size,
      future: this.futureTxs.size,
      readyBytes: this.readyBytes,
      futureBytes: this.futureBytes,
    };
  }

  has(hash: Uint8Array | Hex): boolean {
    const hex = typeof hash === "string" ? hash : toHex(hash);
    return this.readyTxs.has(hex) || this.futureTxs.has(hex);
  }

  get(hash: Uint8Array | Hex): PooledTx | undefined {
    const hex = typeof hash === "string" ? hash : toHex(hash);
    return this.readyTxs.get(hex) ?? this.futureTxs.get(hex)?.tx;
  }

  /**
   * Whether a ready transaction provides this tag. With the runtime's `signer ++ nonce` tags this
   * answers `system_accountNextIndex` the way Substrate's frame-rpc-system does: start at the
   * on-chain nonce and step while the ready queue provides the next one, without decoding anything.
   */
  readyProvides(tag: Uint8Array): boolean {
    return this.readyProvided.has(toHex(tag));
  }

  isBanned(hash: Uint8Array | Hex): boolean {
    const hex = typeof hash === "string" ? hash : toHex(hash);
    const until = this.banned.get(hex);
    if (until === undefined) return false;
    if (until > this.clock.now()) return true;
    this.banned.delete(hex);
    return false;
  }

  /**
   * Ready transactions in an order valid for inclusion: every transaction after those providing its
   * requirements, otherwise higher priority first, then older first. The order is fixed when the
   * iterator is made; transactions removed from the pool since are skipped. A block builder reports
   * a transaction that failed to apply with `reportInvalid` so its dependents are skipped too.
   */
  ready(): ReadyIterator {
    return new ReadyIterator(this.readyTxs, this.readyProvided);
  }

  /** Ready (in inclusion order) then future transactions: `author_pendingExtrinsics`. */
  pending(): PooledTx[] {
    const out: PooledTx[] = [...this.ready()];
    for (const { tx } of this.futureTxs.values()) out.push(tx);
    return out;
  }

  // ------------------------------------------------------------------ submission

  /** Validates and imports one transaction; resolves with its blake2-256 hash or throws a `PoolError`. */
  async submit(xt: Uint8Array, at: BlockRef, source: TransactionSource = "External"): Promise<Uint8Array> {
    const entry = await this.validateAndImport(xt, at, source, undefined);
    return entry.hash;
  }

  /** Like `submit`, and follows the transaction: `author_submitAndWatchExtrinsic`. */
  async submitAndWatch(
    xt: Uint8Array,
    at: BlockRef,
    source: TransactionSource = "External",
  ): Promise<{
    hash: Uint8Array;
    events: TxWatcher;
    /** Shorthand for `events.watch`: replay and follow; the returned function stops watching. */
    watch(listener: (status: TxStatus) => void): () => void;
  }> {
    let watcher: TxWatcher | undefined;
    const entry = await this.validateAndImport(xt, at, source, (hash, hashHex) => {
      watcher = new TxWatcher(hash, hashHex, (w) => this.detachWatcher(w));
      return watcher;
    });
    const events = watcher!;
    return { hash: entry.hash, events, watch: (listener) => events.watch(listener) };
  }

  private async validateAndImport(
    xt: Uint8Array,
    at: BlockRef,
    source: TransactionSource,
    makeWatcher: ((hash: Uint8Array, hashHex: Hex) => TxWatcher) | undefined,
  ): Promise<Entry> {
    this.metrics?.submitted.inc();
    if (!(xt instanceof Uint8Array)) throw new TypeError("transaction must be a Uint8Array");
    if (xt.length > this.options.maxTxBytes) {
      throw PoolError.fromValidity({ type: "Invalid", value: { type: "ExhaustsResources" } });
    }
    const hash = blake2_256(xt);
    const hashHex = toHex(hash);
    this.checkNotKnown(hashHex);

    let validatedAt = at;
    let result = await this.validator.validate(xt, validatedAt, source);
    // A block imported while we validated may have consumed our tags; judge at the newest block.
    for (let i = 0; i < MAX_REVALIDATE_ON_RACE && this.best && this.best.number > validatedAt.number; i++) {
      validatedAt = this.best;
      result = await this.validator.validate(xt, validatedAt, source);
    }
    if ("err" in result) {
      if (result.err.type === "Invalid") {
        this.ban([hashHex]);
        this.metrics?.invalid.inc();
      }
      this.logger.debug({ tx: hashHex, reason: result.err }, "transaction rejected");
      throw PoolError.fromValidity(result.err);
    }
    if (result.ok.provides.length === 0) {
      this.ban([hashHex]);
      throw new PoolError(
        "NoTagsProvided",
        "Transaction does not provide any tags, so the pool can't identify it",
      );
    }
    this.checkNotKnown(hashHex);
    const entry: Entry = {
      hash,
      hashHex,
      data: xt,
      bytes: xt.length,
      source,
      insertionId: this.nextInsertionId++,
      importedAt: this.clock.now(),
      state: undefined,
      ...validityFields(result.ok, validatedAt.number),
    };
    // No await between the known-check above and the import: concurrent duplicates cannot both pass.
    this.importNew(entry, makeWatcher?.(hash, hashHex));
    return entry;
  }

  private checkNotKnown(hashHex: Hex): void {
    if (this.readyTxs.has(hashHex) || this.futureTxs.has(hashHex)) {
      throw new PoolError("AlreadyImported", `Transaction ${hashHex} is already in the pool`);
    }
    if (this.isBanned(hashHex)) {
      throw new PoolError("TemporarilyBanned", `Transaction ${hashHex} is temporarily banned`);
    }
  }

  private importNew(entry: Entry, watcher: TxWatcher | undefined): void {
    // Attach first so the watcher sees the transaction's first status ("ready" or "future").
    if (watcher) this.attachWatcher(watcher);
    const refuse = (err: unknown): never => {
      this.dropQueuedEventsFor(entry.hashHex);
      if (watcher) this.detachWatcher(watcher);
      this.flushEvents();
      throw err;
    };
    const missing = this.missingTags(entry);
    let outcome: ReadyImport | undefined;
    if (missing.size > 0) {
      this.insertFuture(entry, missing);
    } else {
      try {
        outcome = this.importToReady(entry, true);
      } catch (err) {
        refuse(err);
      }
    }
    const evicted = this.enforceLimits();
    this.emitOutcome(outcome);
    for (const tx of evicted) if (tx !== entry) this.queueEvent(tx.hashHex, "dropped");
    if (evicted.includes(entry)) {
      refuse(
        new PoolError("ImmediatelyDropped", "The transaction couldn't enter the pool because of the limit"),
      );
    }
    this.flushEvents();
    this.logger.debug(
      { tx: entry.hashHex, queue: entry.state, priority: entry.priority.toString() },
      "transaction imported",
    );
  }

  // ------------------------------------------------------------------ block events

  /**
   * After a block is imported (and is the new best): drops the transactions it included (`inBlock`),
   * promotes those it unblocked, revalidates a batch of the rest at the block and removes what became
   * invalid. Calls are serialized; the returned promise settles when this block's work is done.
   */
  onBlockImported(block: ImportedBlock): Promise<void> {
    const run = this.maintenance.then(() => this.maintain(block));
    this.maintenance = run.catch((err: unknown) => {
      this.logger.error({ err }, "transaction pool maintenance failed");
    });
    return run;
  }

  /** Emits `finalized` to watchers of transactions in this block; call for every finalized block in order. */
  onBlockFinalized(hash: Uint8Array, extrinsicHashes: readonly Uint8Array[] = []): void {
    const blockHex = toHex(hash);
    for (const [txHex, where] of this.watchedInBlock) {
      if (where.block === blockHex) this.queueEvent(txHex, { finalized: blockHex });
    }
    for (const txHash of extrinsicHashes) {
      const txHex = toHex(txHash);
      if (this.watchedInBlock.has(txHex)) this.queueEvent(txHex, { finalized: blockHex });
    }
    this.flushEvents();
  }

  /** Emits `retracted` to watchers of transactions in a block that left the best chain. */
  onBlockRetracted(hash: Uint8Array): void {
    const blockHex = toHex(hash);
    for (const [txHex, where] of this.watchedInBlock) {
      if (where.block === blockHex) {
        this.watchedInBlock.delete(txHex);
        this.queueEvent(txHex, { retracted: blockHex });
      }
    }
    this.flushEvents();
  }

  /** The block builder found these invalid: remove them with their dependents and ban them. */
  removeInvalid(hashes: readonly Uint8Array[]): PooledTx[] {
    const hexes = hashes.map((h) => toHex(h));
    this.ban(hexes);
    const removed = this.removeWithDependents(hexes);
    for (const tx of removed) this.queueEvent(tx.hashHex, "invalid");
    this.metrics?.invalid.inc(removed.length);
    this.flushEvents();
    return removed;
  }

  private async maintain(block: ImportedBlock): Promise<void> {
    const blockHex = toHex(block.hash);
    this.best = { hash: block.hash, number: block.number };
    const now = this.clock.now();
    this.expireBans(now);

    // 1. Prune what the block included; remember the tags it consumed.
    const prunedTags = new Set<Hex>();
    const unknown: Uint8Array[] = [];
    const includedHexes = block.extrinsicHashes.map((h) => toHex(h));
    let prunedCount = 0;
    includedHexes.forEach((txHex, i) => {
      const tx = this.readyTxs.get(txHex) ?? this.futureTxs.get(txHex)?.tx;
      if (tx) {
        if (this.readyTxs.has(txHex)) this.removeReadyOne(txHex);
        else this.removeFuture(txHex);
        for (const tag of tx.providesHex) prunedTags.add(tag);
        prunedCount++;
      } else {
        const xt = block.extrinsics?.[i];
        if (xt && block.parentHash) unknown.push(xt);
      }
      if (this.watchers.has(txHex)) this.markInBlock(txHex, blockHex, block.number);
    });
    // Substrate bans what a block included, so a resubmission is not re-added after revalidation.
    this.ban(includedHexes);
    this.metrics?.pruned.inc(prunedCount);
    this.flushEvents();

    if (unknown.length > 0 && block.parentHash) {
      const parent = { hash: block.parentHash, number: block.number - 1 };
      const results = await Promise.all(
        unknown.map((xt) => this.validator.validate(xt, parent, "InBlock").catch(() => undefined)),
      );
      for (const result of results) {
        if (result && "ok" in result) for (const tag of result.ok.provides) prunedTags.add(toHex(tag));
      }
    }
    this.recentlyPruned = [prunedTags, ...this.recentlyPruned].slice(0, RECENTLY_PRUNED_BLOCKS);

    // 2. Transactions providing a consumed tag conflict with the block: take them out, revalidate.
    const conflicting = new Map<Hex, Entry>();
    for (const tag of prunedTags) {
      const readyHex = this.readyProvided.get(tag);
      if (readyHex !== undefined) {
        const tx = this.removeReadyOne(readyHex);
        if (tx) conflicting.set(readyHex, tx);
      }
    }
    if (prunedTags.size > 0) {
      for (const [hex, { tx }] of this.futureTxs) {
        if (tx.providesHex.some((tag) => prunedTags.has(tag))) {
          this.removeFuture(hex);
          conflicting.set(hex, tx);
        }
      }
    }

    // 3. Promote futures whose missing tags the block provided.
    const unblocked: Entry[] = [];
    for (const tag of prunedTags) {
      const waiting = this.futureWanted.get(tag);
      if (!waiting) continue;
      for (const hex of [...waiting]) {
        const future = this.futureTxs.get(hex);
        if (!future) continue;
        future.missing.delete(tag);
        this.unindexWanted(hex, tag);
        if (future.missing.size === 0) unblocked.push(future.tx);
      }
    }
    unblocked.sort((a, b) => a.insertionId - b.insertionId);
    for (const tx of unblocked) {
      if (!this.futureTxs.has(tx.hashHex)) continue;
      this.removeFuture(tx.hashHex);
      this.reinsert(tx);
    }

    // 4. Expired longevity: invalid and banned; futures waiting longer than the ban time: dropped.
    const expired: Hex[] = [];
    for (const tx of this.readyTxs.values()) if (tx.validTill < block.number) expired.push(tx.hashHex);
    const tooOld: Hex[] = [];
    for (const { tx } of this.futureTxs.values()) {
      if (tx.validTill < block.number) expired.push(tx.hashHex);
      else if (now - tx.importedAt > this.options.banTimeMs) tooOld.push(tx.hashHex);
    }
    if (expired.length > 0) {
      this.ban(expired);
      for (const tx of this.removeWithDependents(expired)) this.queueEvent(tx.hashHex, "invalid");
    }
    for (const tx of this.removeWithDependents(tooOld)) this.queueEvent(tx.hashHex, "dropped");
    this.checkFinalityTimeouts(block.number);
    for (const tx of this.enforceLimits()) this.queueEvent(tx.hashHex, "dropped");
    this.flushEvents();

    // 5. Revalidate the conflicting ones and a batch of the rest at this block.
    const batch = new Map<Hex, Entry>(conflicting);
    if (now - this.lastBackgroundRevalidation >= this.options.revalidationIntervalMs) {
      for (const hex of this.revalidationQueue) {
        if (batch.size >= conflicting.size + this.options.revalidationBatchSize) break;
        const tx = this.readyTxs.get(hex) ?? this.futureTxs.get(hex)?.tx;
        if (tx) batch.set(hex, tx);
      }
      if (batch.size > conflicting.size) this.lastBackgroundRevalidation = now;
    }
    if (batch.size === 0) return;
    const at = { hash: block.hash, number: block.number };
    const txs = [...batch.values()];
    const results = await Promise.all(
      txs.map((tx) =>
        this.validator.validate(tx.data, at, tx.source).catch((err: unknown) => {
          this.logger.warn({ tx: tx.hashHex, err }, "revalidation failed");
          return undefined;
        }),
      ),
    );
    this.applyRevalidation(txs, results, conflicting, block.number);
    this.metrics?.resubmitted.inc(txs.length);
    this.logger.debug(
      {
        block: block.number,
        pruned: prunedCount,
        revalidated: txs.length,
        ready: this.readyTxs.size,
        future: this.futureTxs.size,
      },
      "pool maintained",
    );
  }

  private applyRevalidation(
    txs: readonly Entry[],
    results: ReadonlyArray<Awaited<ReturnType<PoolValidator["validate"]>> | undefined>,
    conflicting: ReadonlyMap<Hex, Entry>,
    blockNumber: number,
  ): void {
    const invalid: Hex[] = [];
    const reimport: Entry[] = [];
    txs.forEach((tx, i) => {
      const result = results[i];
      const inPool = (this.readyTxs.get(tx.hashHex) ?? this.futureTxs.get(tx.hashHex)?.tx) === tx;
      const wasTakenOut = conflicting.get(tx.hashHex) === tx;
      if (!inPool && !wasTakenOut) return; // removed or replaced while we validated
      this.revalidationQueue.delete(tx.hashHex);
      if (inPool) this.revalidationQueue.add(tx.hashHex);
      if (result === undefined) {
        if (wasTakenOut) reimport.push(tx);
        return;
      }
      if ("err" in result) {
        if (result.err.type === "Invalid") invalid.push(tx.hashHex);
        // Unknown validity may resolve later (as in Substrate): keep the transaction.
        else if (wasTakenOut) reimport.push(tx);
        return;
      }
      const next = validityFields(result.ok, blockNumber);
      if (result.ok.provides.length === 0) {
        invalid.push(tx.hashHex);
        return;
      }
      const sameShape =
        next.priority === tx.priority &&
        sameTags(next.providesHex, tx.providesHex) &&
        next.requiresHex.every((tag) => tx.requiresHex.includes(tag));
      if (inPool && sameShape && this.readyTxs.has(tx.hashHex)) {
        // Requirements only shrank (the chain caught up): the transaction stays where it is.
        this.reindexRequires(tx, next.requires, next.requiresHex);
        tx.validTill = next.validTill;
        tx.longevity = next.longevity;
        tx.propagate = next.propagate;
        return;
      }
      if (inPool && this.readyTxs.has(tx.hashHex)) {
        for (const moved of this.removeReadySubtree([tx.hashHex])) if (moved !== tx) reimport.push(moved);
      } else if (inPool) {
        this.removeFuture(tx.hashHex);
      }
      Object.assign(tx, next);
      reimport.push(tx);
    });
    if (invalid.length > 0) {
      this.ban(invalid);
      const removed = this.removeWithDependents(invalid);
      for (const tx of removed) this.queueEvent(tx.hashHex, "invalid");
      for (const hex of invalid) {
        const tx = conflicting.get(hex);
        if (tx && !this.has(hex)) this.queueEvent(hex, "invalid");
      }
      this.metrics?.invalid.inc(invalid.length);
    }
    reimport.sort((a, b) => a.insertionId - b.insertionId);
    for (const tx of reimport) if (!this.has(tx.hashHex) && !this.isBanned(tx.hashHex)) this.reinsert(tx);
    for (const tx of this.enforceLimits()) this.queueEvent(tx.hashHex, "dropped");
    this.flushEvents();
  }

  /** Puts a transaction that was in the pool back (ready if it can be, else future); never throws. */
  private reinsert(tx: Entry): void {
    const missing = this.missingTags(tx);
    if (missing.size > 0) {
      this.insertFuture(tx, missing);
      return;
    }
    try {
      this.emitOutcome(this.importToReady(tx, false));
    } catch {
      this.queueEvent(tx.hashHex, "dropped");
    }
  }

  // ------------------------------------------------------------------ ready queue

  /**
   * Imports into the ready queue, replacing transactions that provide the same tags if this one pays
   * more, then promotes futures it unblocks (Substrate's `import_to_ready`).
   */
  private importToReady(tx: Entry, first: boolean): ReadyImport {
    const result: ReadyImport = { promoted: [], failed: [], replaced: [], demoted: [] };
    const queue: Entry[] = [tx];
    let isFirst = first;
    let current: Entry | undefined;
    // biome-ignore lint/suspicious/noAssignInExpressions: queue drain
    while ((current = queue.shift()) !== undefined) {
      const cur = current;
      const wasFirst = isFirst;
      isFirst = false;
      if (cur !== tx || !first) {
        const missing = this.missingTags(cur);
        if (missing.size > 0) {
          this.insertFuture(cur, missing);
          continue;
        }
      }
      const conflicts = new Set<Hex>();
      for (const tag of cur.providesHex) {
        const holder = this.readyProvided.get(tag);
        if (holder !== undefined && holder !== cur.hashHex) conflicts.add(holder);
      }
      if (conflicts.size > 0) {
        let old = 0n;
        for (const hex of conflicts) old += this.readyTxs.get(hex)?.priority ?? 0n;
        if (old >= cur.priority) {
          if (wasFirst) {
            throw new PoolError("TooLowPriority", `Priority is too low: (${old} vs ${cur.priority})`, {
              priorities: { old, new: cur.priority },
            });
          }
          result.failed.push(cur);
          continue;
        }
        const newTags = new Set(cur.providesHex);
        for (const hex of conflicts) {
          const replaced = this.removeReadyOne(hex);
          if (!replaced) continue;
          result.replaced.push({ tx: replaced, by: cur });
          // Dependents of tags the replacement does not provide lose their footing: back to future.
          const orphans: Hex[] = [];
          for (const tag of replaced.providesHex) {
            if (newTags.has(tag)) continue;
            for (const dep of this.readyRequiredBy.get(tag) ?? []) orphans.push(dep);
          }
          for (const orphan of this.removeReadySubtree(orphans)) {
            result.demoted.push(orphan);
            this.insertFuture(orphan, this.missingTags(orphan));
          }
        }
      }
      this.insertReady(cur);
      if (cur !== tx) result.promoted.push(cur);
      for (const tag of cur.providesHex) {
        const waiting = this.futureWanted.get(tag);
        if (!waiting) continue;
        for (const hex of [...waiting]) {
          const future = this.futureTxs.get(hex);
          if (!future) continue;
          future.missing.delete(tag);
          this.unindexWanted(hex, tag);
          if (future.missing.size === 0) {
            this.removeFuture(hex);
            queue.push(future.tx);
          }
        }
      }
    }
    if (result.replaced.some((r) => r.tx === tx)) {
      // Something this transaction unblocked pushed it out again: a cycle. Undo the promotions.
      for (const removed of this.removeReadySubtree(result.promoted.map((p) => p.hashHex))) {
        this.queueEvent(removed.hashHex, "dropped");
      }
      throw new PoolError("CycleDetected", "Cycle detected");
    }
    return result;
  }

  private emitOutcome(outcome: ReadyImport | undefined): void {
    if (!outcome) return;
    for (const { tx, by } of outcome.replaced) this.queueEvent(tx.hashHex, { usurped: by.hashHex });
    for (const tx of outcome.failed) this.queueEvent(tx.hashHex, "dropped");
  }

  private insertReady(tx: Entry): void {
    this.readyTxs.set(tx.hashHex, tx);
    for (const tag of tx.providesHex) this.readyProvided.set(tag, tx.hashHex);
    for (const tag of tx.requiresHex) addToIndex(this.readyRequiredBy, tag, tx.hashHex);
    this.readyBytes += tx.bytes;
    this.evictionHeap.push({ priority: tx.priority, insertionId: tx.insertionId, hashHex: tx.hashHex });
    this.revalidationQueue.add(tx.hashHex);
    if (tx.state !== "ready") {
      tx.state = "ready";
      this.queueEvent(tx.hashHex, "ready");
    }
  }

  /** Removes one ready transaction; its dependents stay (their tag is assumed provided elsewhere). */
  private removeReadyOne(hex: Hex): Entry | undefined {
    const tx = this.readyTxs.get(hex);
    if (!tx) return undefined;
    this.readyTxs.delete(hex);
    for (const tag of tx.providesHex) if (this.readyProvided.get(tag) === hex) this.readyProvided.delete(tag);
    for (const tag of tx.requiresHex) removeFromIndex(this.readyRequiredBy, tag, hex);
    this.readyBytes -= tx.bytes;
    this.revalidationQueue.delete(hex);
    return tx;
  }

  /** Removes ready transactions and everything that (transitively) depends on them. */
  private removeReadySubtree(hexes: readonly Hex[]): Entry[] {
    const removed: Entry[] = [];
    const stack = [...hexes];
    let hex: Hex | undefined;
    // biome-ignore lint/suspicious/noAssignInExpressions: stack drain
    while ((hex = stack.pop()) !== undefined) {
      const tx = this.removeReadyOne(hex);
      if (!tx) continue;
      removed.push(tx);
      for (const tag of tx.providesHex) {
        if (this.readyProvided.has(tag)) continue; // another ready transaction still provides it
        for (const dep of this.readyRequiredBy.get(tag) ?? []) stack.push(dep);
      }
    }
    return removed;
  }

  private reindexRequires(tx: Entry, requires: readonly Uint8Array[], requiresHex: Hex[]): void {
    for (const tag of tx.requiresHex) removeFromIndex(this.readyRequiredBy, tag, tx.hashHex);
    tx.requires = requires;
    tx.requiresHex = requiresHex;
    for (const tag of requiresHex) addToIndex(this.readyRequiredBy, tag, tx.hashHex);
  }

  // ------------------------------------------------------------------ future queue

  private insertFuture(tx: Entry, missing: Set<Hex>): void {
    this.futureTxs.set(tx.hashHex, { tx, missing });
    for (const tag of missing) addToIndex(this.futureWanted, tag, tx.hashHex);
    this.futureBytes += tx.bytes;
    this.revalidationQueue.add(tx.hashHex);
    if (tx.state !== "future") {
      tx.state = "future";
      this.queueEvent(tx.hashHex, "future");
    }
  }

  private removeFuture(hex: Hex): Entry | undefined {
    const future = this.futureTxs.get(hex);
    if (!future) return undefined;
    this.futureTxs.delete(hex);
    for (const tag of future.missing) removeFromIndex(this.futureWanted, tag, hex);
    this.futureBytes -= future.tx.bytes;
    this.revalidationQueue.delete(hex);
    return future.tx;
  }

  private unindexWanted(hex: Hex, tag: Hex): void {
    removeFromIndex(this.futureWanted, tag, hex);
  }

  private missingTags(tx: Entry): Set<Hex> {
    const missing = new Set<Hex>();
    for (const tag of tx.requiresHex) {
      if (this.readyProvided.has(tag)) continue;
      if (this.recentlyPruned.some((set) => set.has(tag))) continue;
      missing.add(tag);
    }
    return missing;
  }

  /** Removes from either queue, ready ones with their dependents. */
  private removeWithDependents(hexes: readonly Hex[]): Entry[] {
    const removed: Entry[] = [];
    for (const hex of hexes) {
      const future = this.removeFuture(hex);
      if (future) removed.push(future);
    }
    removed.push(...this.removeReadySubtree(hexes.filter((hex) => this.readyTxs.has(hex))));
    return removed;
  }

  // ------------------------------------------------------------------ limits and bans

  /**
   * Substrate's limit enforcement: while the ready queue is over a limit, drop the lowest-priority
   * transaction (the older one on ties) with its dependents; while the future queue is over, drop
   * the oldest future transaction.
   */
  private enforceLimits(): Entry[] {
    const removed: Entry[] = [];
    const { readyLimit, readyBytesLimit, futureLimit, futureBytesLimit } = this.options;
    while (this.readyTxs.size > readyLimit || this.readyBytes > readyBytesLimit) {
      const worst = this.popWorstReady();
      if (!worst) break;
      removed.push(...this.removeReadySubtree([worst.hashHex]));
    }
    while (this.futureTxs.size > futureLimit || this.futureBytes > futureBytesLimit) {
      const oldest = this.futureTxs.keys().next();
      if (oldest.done) break;
      const tx = this.removeFuture(oldest.value);
      if (tx) removed.push(tx);
    }
    if (this.evictionHeap.size > 2 * this.readyTxs.size + 1024) {
      // Too many stale keys: rebuild from the live ready set.
      this.evictionHeap = new BinaryHeap(
        worseForEviction,
        [...this.readyTxs.values()].map((tx) => ({
          priority: tx.priority,
          insertionId: tx.insertionId,
          hashHex: tx.hashHex,
        })),
      );
    }
    return removed;
  }

  private popWorstReady(): Entry | undefined {
    for (;;) {
      const key = this.evictionHeap.pop();
      if (!key) return undefined;
      const tx = this.readyTxs.get(key.hashHex);
      if (tx && tx.insertionId === key.insertionId && tx.priority === key.priority) return tx;
    }
  }

  private ban(hexes: Iterable<Hex>): void {
    const until = this.clock.now() + this.options.banTimeMs;
    for (const hex of hexes) {
      this.banned.delete(hex); // re-insert so the map stays in expiry order
      this.banned.set(hex, until);
    }
  }

  private expireBans(now: number): void {
    for (const [hex, until] of this.banned) {
      if (until > now) break;
      this.banned.delete(hex);
    }
  }

  // ------------------------------------------------------------------ watchers

  private attachWatcher(watcher: TxWatcher): void {
    addToIndex(this.watchers, watcher.hashHex, watcher);
  }

  private detachWatcher(watcher: TxWatcher): void {
    removeFromIndex(this.watchers, watcher.hashHex, watcher);
    if (!this.watchers.has(watcher.hashHex)) this.watchedInBlock.delete(watcher.hashHex);
  }

  private markInBlock(txHex: Hex, blockHex: Hex, number: number): void {
    this.watchedInBlock.set(txHex, { block: blockHex, number });
    this.queueEvent(txHex, { inBlock: blockHex });
  }

  private checkFinalityTimeouts(number: number): void {
    for (const [txHex, where] of this.watchedInBlock) {
      if (number - where.number >= this.options.finalityTimeoutBlocks) {
        this.queueEvent(txHex, { finalityTimeout: where.block });
      }
    }
  }

  private queueEvent(txHex: Hex, status: TxStatus): void {
    if (this.watchers.has(txHex)) this.pendingEvents.push([txHex, status]);
  }

  private dropQueuedEventsFor(txHex: Hex): void {
    for (let i = this.pendingEvents.length - 1; i >= 0; i--) {
      if (this.pendingEvents[i]![0] === txHex) this.pendingEvents.splice(i, 1);
    }
  }

  private flushEvents(): void {
    const events = this.pendingEvents.splice(0);
    for (const [txHex, status] of events) {
      const watchers = this.watchers.get(txHex);
      if (!watchers) continue;
      for (const watcher of [...watchers]) watcher.push(status);
    }
  }
}

/** Ready transactions in inclusion order over a snapshot of the dependency graph. */
export class ReadyIterator implements IterableIterator<PooledTx> {
  private readonly live: ReadonlyMap<Hex, Entry>;
  private readonly children = new Map<Hex, Hex[]>();
  private readonly waiting = new Map<Hex, number>();
  private readonly entries = new Map<Hex, Entry>();
  private readonly skipped = new Set<Hex>();
  private readonly heap = new BinaryHeap<Entry>(betterForInclusion);

  constructor(ready: ReadonlyMap<Hex, Entry>, provided: ReadonlyMap<Hex, Hex>) {
    this.live = ready;
    for (const [hex, tx] of ready) {
      this.entries.set(hex, tx);
      const providers = new Set<Hex>();
      for (const tag of tx.requiresHex) {
        const provider = provided.get(tag);
        if (provider !== undefined && provider !== hex) providers.add(provider);
      }
      if (providers.size === 0) this.heap.push(tx);
      else this.waiting.set(hex, providers.size);
      for (const provider of providers) addToList(this.children, provider, hex);
    }
  }

  next(): IteratorResult<PooledTx> {
    for (;;) {
      const tx = this.heap.pop();
      if (!tx) return { value: undefined, done: true };
      for (const child of this.children.get(tx.hashHex) ?? []) {
        const left = (this.waiting.get(child) ?? 1) - 1;
        if (left > 0) {
          this.waiting.set(child, left);
          continue;
        }
        this.waiting.delete(child);
        const entry = this.entries.get(child);
        if (entry) this.heap.push(entry);
      }
      if (this.skipped.has(tx.hashHex) || this.live.get(tx.hashHex) !== tx) {
        this.reportInvalid(tx.hashHex);
        continue;
      }
      return { value: tx, done: false };
    }
  }

  /** Skips every transaction that depends on this one (it failed to apply). */
  reportInvalid(hash: Uint8Array | Hex): void {
    const stack: Hex[] = [typeof hash === "string" ? hash : toHex(hash)];
    let hex: Hex | undefined;
    // biome-ignore lint/suspicious/noAssignInExpressions: stack drain
    while ((hex = stack.pop()) !== undefined) {
      if (this.skipped.has(hex)) continue;
      this.skipped.add(hex);
      for (const child of this.children.get(hex) ?? []) stack.push(child);
    }
  }

  [Symbol.iterator](): IterableIterator<PooledTx> {
    return this;
  }
}

export function createTransactionPool(opts: Partial<PoolOptions>, modules: PoolModules): TransactionPool {
  return new TransactionPool(opts, modules);
}

// ------------------------------------------------------------------ helpers

function validityFields(
  valid: ValidTransaction,
  atNumber: number,
): Pick<
  Entry,
  | "priority"
  | "requires"
  | "provides"
  | "requiresHex"
  | "providesHex"
  | "longevity"
  | "propagate"
  | "validTill"
> {
  const longevity = valid.longevity < 0n ? 0n : valid.longevity;
  const span = longevity > BigInt(MAX_LONGEVITY) ? MAX_LONGEVITY : Number(longevity);
  return {
    priority: valid.priority,
    requires: valid.requires,
    provides: valid.provides,
    requiresHex: dedupe(valid.requires.map((t) => toHex(t))),
    providesHex: dedupe(valid.provides.map((t) => toHex(t))),
    longevity,
    propagate: valid.propagate,
    validTill: atNumber + span,
  };
}

function dedupe(tags: Hex[]): Hex[] {
  return tags.length < 2 ? tags : [...new Set(tags)];
}

function sameTags(a: readonly Hex[], b: readonly Hex[]): boolean {
  return a.length === b.length && a.every((tag) => b.includes(tag));
}

/** Eviction order: lower priority first, then older first (Substrate drops the older on ties). */
function worseForEviction(a: EvictionKey, b: EvictionKey): boolean {
  return a.priority !== b.priority ? a.priority < b.priority : a.insertionId < b.insertionId;
}

/** Inclusion order: higher priority first, then older first. */
function betterForInclusion(a: Entry, b: Entry): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.insertionId < b.insertionId;
}

function addToIndex<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (set) set.add(value);
  else index.set(key, new Set([value]));
}

function removeFromIndex<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

function addToList<K, V>(index: Map<K, V[]>, key: K, value: V): void {
  const list = index.get(key);
  if (list) list.push(value);
  else index.set(key, [value]);
}
