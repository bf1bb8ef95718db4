import {
  assertBlock,
  type BlockGetter,
  type Content,
  ContentIdError,
  DAG_PB_CODE,
  importContent,
  linksOf,
  RAW_CODE,
  readFile,
  walkDag,
} from "@darwin/content-id";
import type { Logger } from "@darwin/observability";
import { CarBlockIterator, CarWriter } from "@ipld/car";
import { CID } from "multiformats/cid";
import { type DaError, daError, isDaError } from "../errors.ts";
import type { DaMetrics } from "../metrics.ts";
import type { PinRecord, Storage } from "./types.ts";

export interface RepoOpts {
  /** Bytes each owner may pin in total (sum of their pins' DAG sizes). */
  readonly defaultQuotaBytes: number;
  /** Per-owner overrides (lowercase 0x addresses). */
  readonly quotas?: Readonly<Record<string, number>>;
}

export interface RepoModules {
  readonly storage: Storage;
  readonly logger: Logger;
  readonly metrics?: DaMetrics;
}

export interface DagStats {
  readonly root: CID;
  readonly blocks: number;
  readonly bytes: number;
}

export interface AddResult {
  readonly cid: CID;
  /** Content bytes (what the user uploaded). */
  readonly size: number;
  readonly pin: PinRecord;
}

export interface CarImportResult {
  readonly roots: CID[];
  readonly blocks: number;
  readonly bytes: number;
  readonly pins: PinRecord[];
}

/** Blocks an upload in progress has written: GC keeps them; `pending` are writes not yet committed. */
interface Staged {
  readonly cids: Set<string>;
  pending: Promise<void>[];
}

const WRITE_WINDOW = 32;

async function flush(staged: Staged): Promise<void> {
  const pending = staged.pending;
  staged.pending = [];
  await Promise.all(pending);
}

/** A one-slot async lock; GC holds it while it runs, pin commits hold it for a moment. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * The provider's repository: blocks, pins, quotas and garbage collection over a `Storage`.
 *
 * Writes of an upload in progress are "staged": GC treats staged blocks as live, so an upload and a
 * GC can run at once. A failed upload leaves its new blocks unpinned, and the next GC removes them.
 */
export class DaRepo {
  private readonly opts: RepoOpts;
  private readonly storage: Storage;
  private readonly logger: Logger;
  private readonly metrics: DaMetrics | undefined;
  private readonly lock = new Mutex();
  private readonly staging = new Set<Set<string>>();

  constructor(opts: RepoOpts, modules: RepoModules) {
    this.opts = opts;
    this.storage = modules.storage;
    this.logger = modules.logger.child({ module: "da/repo" });
    this.metrics = modules.metrics;
  }

  get blocks(): Storage["blocks"] {
    return this.storage.blocks;
  }

  get nonces(): Storage["nonces"] {
    return this.storage.nonces;
  }

  /** A getter for content-id's readers that never returns unverified bytes of another CID. */
  readonly getBlock: BlockGetter = (cid) => this.storage.blocks.get(cid);

  quotaOf(owner: string): number {
    return this.opts.quotas?.[owner] ?? this.opts.defaultQuotaBytes;
  }

  usageOf(owner: string): number {
    return this.storage.pins.ofOwner(owner).reduce((sum, pin) => sum + pin.bytes, 0);
  }

  /** Bytes `owner` may still pin. */
  remainingQuota(owner: string): number {
    return Math.max(0, this.quotaOf(owner) - this.usageOf(owner));
  }

  pinsOf(owner: string): PinRecord[] {
    return this.storage.pins.ofOwner(owner);
  }

  allPins(): Iterable<PinRecord> {
    return this.storage.pins.all();
  }

  isPinned(root: CID): boolean {
    const key = root.toString();
    for (const pin of this.storage.pins.all()) if (pin.root === key) return true;
    return false;
  }

  /**
   * Walks the DAG under `root` in the local store: its distinct blocks and bytes. NOT_FOUND when the
   * root is absent, INCOMPLETE_DAG when any block under it is.
   */
  dagStats(root: CID): DagStats {
    if (!this.storage.blocks.has(root)) throw daError("NOT_FOUND", `${root.toString()} is not stored here`);
    const seen = new Set<string>();
    const stack: CID[] = [root];
    let bytes = 0;
    for (;;) {
      const cid = stack.pop();
      if (cid === undefined) break;
      const key = cid.toString();
      if (seen.has(key)) continue;
      seen.add(key);
      const block = this.storage.blocks.get(cid);
      if (block === undefined) {
        throw daError("INCOMPLETE_DAG", `block ${key} of ${root.toString()} is missing`);
      }
      bytes += block.length;
      if (cid.code === DAG_PB_CODE) stack.push(...linksOf(cid, block));
    }
    return { root, blocks: seen.size, bytes };
  }

  private stage(): Staged {
    const staged: Staged = { cids: new Set<string>(), pending: [] };
    this.staging.add(staged.cids);
    return staged;
  }

  /**
   * Writes a block without waiting for its commit, so lmdb can batch many blocks per transaction;
   * at most WRITE_WINDOW writes are in flight, which bounds the memory an upload holds.
   */
  private async putStaged(staged: Staged, cid: CID, bytes: Uint8Array): Promise<void> {
    staged.cids.add(cid.toString());
    if (this.storage.blocks.has(cid)) return;
    staged.pending.push(this.storage.blocks.put(cid, bytes));
    this.metrics?.blocksWritten.inc();
    this.metrics?.bytesWritten.inc(bytes.length);
    if (staged.pending.length >= WRITE_WINDOW) await flush(staged);
  }

  /** Pins a DAG that is fully present for `owner`, charging its size against the owner's quota. */
  async pin(owner: string, root: CID): Promise<PinRecord> {
    return this.lock.run(async () => this.pinLocked(owner, root));
  }

  private async pinLocked(owner: string, root: CID): Promise<PinRecord> {
    const existing = this.storage.pins.get(owner, root.toString());
    if (existing) return existing;
    const stats = this.dagStats(root);
    const remaining = this.remainingQuota(owner);
    if (stats.bytes > remaining) {
      throw daError(
        "QUOTA_EXCEEDED",
        `pinning ${root.toString()} needs ${stats.bytes} bytes; ${owner} has ${remaining} of ${this.quotaOf(owner)} left`,
      );
    }
    const record: PinRecord = {
      root: root.toString(),
      owner,
      bytes: stats.bytes,
      blocks: stats.blocks,
      createdAt: Date.now(),
    };
    await this.storage.pins.put(record);
    this.metrics?.pins.inc();
    this.logger.info({ root: record.root, owner, bytes: record.bytes }, "pinned");
    return record;
  }

  async unpin(owner: string, root: CID): Promise<boolean> {
    return this.lock.run(async () => {
      const removed = await this.storage.pins.delete(owner, root.toString());
      if (removed) {
        this.metrics?.pins.dec();
        this.logger.info({ root: root.toString(), owner }, "unpinned");
      }
      return removed;
    });
  }

  /**
   * Imports `content` as a Kubo-compatible UnixFS file and pins it for `owner`. At most `maxBytes`
   * of content are read (PAYLOAD_TOO_LARGE past that, QUOTA_EXCEEDED past the owner's quota); when
   * `expectCid` is given the result must match it (CID_MISMATCH otherwise).
   */
  async add(
    owner: string,
    content: Content,
    opts: { readonly expectCid?: CID; readonly maxBytes?: number } = {},
  ): Promise<AddResult> {
    const staged = this.stage();
    try {
      const quota = this.remainingQuota(owner);
      const limit = Math.min(quota, opts.maxBytes ?? Number.POSITIVE_INFINITY);
      const bounded = boundedStream(normalise(content), limit, (read) =>
        read > quota
          ? daError("QUOTA_EXCEEDED", `upload passed the ${quota} bytes ${owner} has left`)
          : daError("PAYLOAD_TOO_LARGE", `upload passed the ${limit} byte limit`),
      );
      const imported = await importContent(bounded, {
        put: (cid, bytes) => this.putStaged(staged, cid, bytes),
      });
      if (opts.expectCid && opts.expectCid.toString() !== imported.cid.toString()) {
        throw daError(
          "CID_MISMATCH",
          `uploaded content is ${imported.cid.toString()}, but the request was signed for ${opts.expectCid.toString()}`,
        );
      }
      await flush(staged);
      const pin = await this.pin(owner, imported.cid);
      this.metrics?.uploads.inc({ kind: "add" });
      return { cid: imported.cid, size: imported.size, pin };
    } finally {
      await Promise.allSettled(staged.pending);
      this.staging.delete(staged.cids);
    }
  }

  /**
   * Reads a CARv1 stream, checks every block against its CID and stores it. Every root must then be
   * complete here; with `owner`, each root is pinned for them. TRUNCATED_CAR / BAD_CAR /
   * CID_MISMATCH / INCOMPLETE_DAG describe what was wrong; nothing is pinned then.
   */
  async importCar(
    car: AsyncIterable<Uint8Array> | Uint8Array,
    opts: { readonly owner?: string; readonly maxBytes?: number; readonly expectRoot?: CID } = {},
  ): Promise<CarImportResult> {
    const staged = this.stage();
    try {
      const quota = opts.owner === undefined ? Number.POSITIVE_INFINITY : this.remainingQuota(opts.owner);
      const limit = Math.min(quota, opts.maxBytes ?? Number.POSITIVE_INFINITY);
      const source = boundedStream(car instanceof Uint8Array ? [car] : car, limit, (read) =>
        read > quota
          ? daError("QUOTA_EXCEEDED", `CAR passed the ${quota} bytes ${opts.owner ?? ""} has left`)
          : daError("PAYLOAD_TOO_LARGE", `CAR passed the ${limit} byte limit`),
      );
      let iterator: CarBlockIterator;
      try {
        iterator = await CarBlockIterator.fromIterable(source);
      } catch (err) {
        throw carError(err, "CAR header");
      }
      const roots = await iterator.getRoots();
      if (roots.length === 0) throw daError("BAD_CAR", "CAR names no root");
      if (opts.expectRoot && !roots.some((r) => r.equals(opts.expectRoot!))) {
        throw daError(
          "CID_MISMATCH",
          `CAR roots do not include the signed CID ${opts.expectRoot.toString()}`,
        );
      }
      let blocks = 0;
      let bytes = 0;
      try {
        for await (const block of iterator) {
          const cid = block.cid;
          if (cid.code !== RAW_CODE && cid.code !== DAG_PB_CODE) {
            throw daError(
              "BAD_CAR",
              `block ${cid.toString()} has codec 0x${cid.code.toString(16)}; only raw and dag-pb`,
            );
          }
          await assertBlock(cid, block.bytes);
          await this.putStaged(staged, cid, block.bytes);
          blocks++;
          bytes += block.bytes.length;
        }
      } catch (err) {
        throw carError(err, "CAR body");
      }
      await flush(staged);
      for (const root of roots) this.dagStats(root);
      const pins: PinRecord[] = [];
      if (opts.owner !== undefined) {
        for (const root of roots) pins.push(await this.pin(opts.owner, root));
      }
      this.metrics?.uploads.inc({ kind: "car" });
      return { roots, blocks, bytes, pins };
    } finally {
      await Promise.allSettled(staged.pending);
      this.staging.delete(staged.cids);
    }
  }

  /**
   * The DAG under `root` as a CARv1 (one root, blocks in depth-first pre-order, each once): the
   * layout of Kubo's `ipfs dag export`. The DAG is checked to be complete before the first byte.
   */
  exportCar(root: CID): AsyncIterable<Uint8Array> {
    this.dagStats(root);
    const { writer, out } = CarWriter.create([root]);
    const blocks = this.storage.blocks;
    const feed = (async () => {
      try {
        for await (const block of walkDag(root, (cid) => blocks.get(cid), { verify: false })) {
          await writer.put({ cid: block.cid, bytes: block.bytes });
        }
      } finally {
        await writer.close();
      }
    })();
    return (async function* () {
      yield* out;
      await feed;
    })();
  }

  /** The verified content of `root` (a raw block or a UnixFS file), optionally a byte range. */
  readContent(
    root: CID,
    range?: { readonly offset: number; readonly length: number },
  ): AsyncIterable<Uint8Array> {
    if (!this.storage.blocks.has(root)) throw daError("NOT_FOUND", `${root.toString()} is not stored here`);
    return mapContentErrors(readFile(root, this.getBlock, range ?? {}));
  }

  /**
   * Removes every block that no pin reaches and no upload in progress has written. Returns how many
   * blocks and bytes were freed.
   */
  async gc(): Promise<{ removedBlocks: number; removedBytes: number; liveBlocks: number }> {
    return this.lock.run(async () => {
      const live = new Set<string>();
      for (const pin of this.storage.pins.all()) {
        const stack: CID[] = [parseStoredCid(pin.root)];
        for (;;) {
          const cid = stack.pop();
          if (cid === undefined) break;
          const key = cid.toString();
          if (live.has(key)) continue;
          live.add(key);
          if (cid.code !== DAG_PB_CODE) continue;
          const bytes = this.storage.blocks.get(cid);
          if (bytes !== undefined) stack.push(...linksOf(cid, bytes));
        }
      }
      let removedBlocks = 0;
      let removedBytes = 0;
      const deletes: Promise<void>[] = [];
      for (const cid of [...this.storage.blocks.cids()]) {
        const key = cid.toString();
        if (live.has(key) || [...this.staging].some((s) => s.has(key))) continue;
        removedBytes += this.storage.blocks.get(cid)?.length ?? 0;
        // Deletes are not awaited one by one, so lmdb commits them in batches.
        deletes.push(this.storage.blocks.delete(cid));
        if (deletes.length >= WRITE_WINDOW) await Promise.all(deletes.splice(0));
        removedBlocks++;
      }
      await Promise.all(deletes);
      this.metrics?.gcRuns.inc();
      this.metrics?.gcRemovedBlocks.inc(removedBlocks);
      this.logger.info({ removedBlocks, removedBytes, liveBlocks: live.size }, "garbage collected");
      return { removedBlocks, removedBytes, liveBlocks: live.size };
    });
  }

  async close(): Promise<void> {
    await this.storage.close();
  }
}

function parseStoredCid(text: string): CID {
  // Pin records only ever hold CIDs this process formatted.
  return CID.parse(text);
}

function normalise(content: Content): Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
  return content instanceof Uint8Array ? [content] : content;
}

/** Passes bytes through until more than `limit` have been read, then throws the error `tooMany` builds. */
async function* boundedStream(
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  limit: number,
  tooMany: (read: number) => DaError,
): AsyncGenerator<Uint8Array> {
  let read = 0;
  for await (const chunk of source) {
    read += chunk.length;
    if (read > limit) throw tooMany(read);
    yield chunk;
  }
}

function carError(err: unknown, where: string): DaError {
  if (isDaError(err)) return err;
  if (err instanceof ContentIdError) {
    return daError(err.code === "CID_MISMATCH" ? "CID_MISMATCH" : "BAD_CAR", `${where}: ${err.message}`, err);
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/unexpected end|end of data|truncat/i.test(message)) {
    return daError("TRUNCATED_CAR", `${where} ends early: ${message}`, err);
  }
  return daError("BAD_CAR", `${where} is not a valid CARv1: ${message}`, err);
}

async function* mapContentErrors(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* source;
  } catch (err) {
    if (err instanceof ContentIdError) {
      const code =
        err.code === "MISSING_BLOCK"
          ? "INCOMPLETE_DAG"
          : err.code === "CID_MISMATCH"
            ? "CID_MISMATCH"
            : "BAD_REQUEST";
      throw daError(code, err.message, err);
    }
    throw err;
  }
}
