import { EventEmitter } from "node:events";
import { blake2_256 } from "@darwin/crypto";
import type { Logger } from "@darwin/observability";
import { type Header, Header as HeaderCodec } from "@darwin/pallets/support";
import {
  BlockExecutionError,
  callRuntimeApi,
  type DarwinRuntime,
  readExtrinsicList,
} from "@darwin/runtime-spec";
import { bytesEqual, decode, encode, encodeCompact, Reader, toHex, Writer } from "@darwin/scale";
import { EMPTY_ROOT } from "@darwin/trie";
import type { ChainSpec } from "../chain-spec/index.ts";
import { emptyExtrinsicsRoot, genesisStorage } from "../chain-spec/index.ts";
import type { ChainDb } from "../db/index.ts";
import { BlockState } from "./block-state.ts";
import { type BuildOutcome, type BuildRequest, buildOnState, InherentFailedError } from "./build.ts";

export type { BuildOutcome, BuildRequest, Candidate } from "./build.ts";

export interface BlockRef {
  readonly hash: Uint8Array;
  readonly number: number;
}

/** A built, unsealed block: header, body, pool outcome, and the state root and nodes it leads to. */
export interface BuiltBlock extends BuildOutcome {
  readonly hash: Uint8Array;
}

export class ChainError extends Error {
  readonly code: "UnknownBlock" | "StatePruned" | "BadBlock" | "RuntimeCall";
  constructor(code: ChainError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

export interface ChainEvents {
  imported: [BlockRef & { header: Header; extrinsics: Uint8Array[] }];
  best: [BlockRef & { header: Header }];
  finalized: [BlockRef & { header: Header }];
}

export function hashHeader(header: Header): Uint8Array {
  return blake2_256(encode(HeaderCodec, header));
}

export function encodeBody(extrinsics: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(1024);
  encodeCompact(extrinsics.length, w);
  for (const x of extrinsics) w.bytes(x);
  return w.finish();
}

export function decodeBody(body: Uint8Array): Uint8Array[] {
  return readExtrinsicList(new Reader(body));
}

/**
 * The client side of the chain: genesis, block building on the runtime, import into the database,
 * best and finalized heads, runtime calls at any retained block.
 */
export class Chain extends EventEmitter<ChainEvents> {
  readonly db: ChainDb;
  readonly runtime: DarwinRuntime;
  readonly spec: ChainSpec;
  private readonly log: Logger;
  private genesis!: BlockRef;
  private headerCache = new Map<string, Header>();

  constructor(opts: { spec: ChainSpec }, modules: { db: ChainDb; runtime: DarwinRuntime; logger: Logger }) {
    super();
    this.spec = opts.spec;
    this.db = modules.db;
    this.runtime = modules.runtime;
    this.log = modules.logger.child({ module: "chain" });
  }

  /** Opens the chain: writes the genesis block on first start, checks it on later ones. */
  async init(): Promise<void> {
    const storage = genesisStorage(this.spec, this.runtime);
    const state = new BlockState(
      { get: () => undefined, nextKey: () => undefined },
      EMPTY_ROOT,
      this.db.nodeStore,
    );
    for (const [k, v] of storage) state.ext.set(Uint8Array.from(Buffer.from(k.slice(2), "hex")), v);
    const { root, nodes } = state.commitData();
    const header: Header = {
      parentHash: new Uint8Array(32),
      number: 0,
      stateRoot: root,
      extrinsicsRoot: emptyExtrinsicsRoot(),
      digest: { logs: [] },
    };
    const hash = hashHeader(header);
    const existing = this.db.genesisHash();
    if (existing === undefined) {
      await this.db.commitBlock({
        hash,
        number: 0,
        parentHash: header.parentHash,
        header: encode(HeaderCodec, header),
        body: encodeBody([]),
        stateRoot: root,
        trieNodes: nodes,
        setBest: true,
        finalize: true,
      });
      this.log.info({ hash: toHex(hash) }, "Initialized the database with the genesis block");
    } else if (!bytesEqual(existing, hash)) {
      throw new ChainError(
        "BadBlock",
        `database genesis ${toHex(existing)} does not match the chain spec's ${toHex(hash)}`,
      );
    }
    this.genesis = { hash, number: 0 };
  }

  get genesisHash(): Uint8Array {
    return this.genesis.hash;
  }

  best(): BlockRef {
    return this.db.best()!;
  }

  finalized(): BlockRef {
    return this.db.finalized()!;
  }

  header(hash: Uint8Array): Header | undefined {
    const key = toHex(hash);
    const cached = this.headerCache.get(key);
    if (cached) return cached;
    const raw = this.db.header(hash);
    if (!raw) return undefined;
    const h = decode(HeaderCodec, raw);
    if (this.headerCache.size > 2048) this.headerCache.clear();
    this.headerCache.set(key, h);
    return h;
  }

  headerOrThrow(hash: Uint8Array): Header {
    const h = this.header(hash);
    if (!h) throw new ChainError("UnknownBlock", `unknown block ${toHex(hash)}`);
    return h;
  }

  extrinsics(hash: Uint8Array): Uint8Array[] | undefined {
    const body = this.db.body(hash);
    return body ? decodeBody(body) : undefined;
  }

  hashAt(number: number): Uint8Array | undefined {
    return this.db.canonicalHash(number);
  }

  /** A fresh overlay on the state of block `hash`. */
  stateAt(hash: Uint8Array): BlockState {
    const header = this.headerOrThrow(hash);
    if (!this.db.hasState(header.stateRoot))
      throw new ChainError("StatePruned", `state of ${toHex(hash)} is pruned`);
    return new BlockState(this.db.stateAt(header.stateRoot), header.stateRoot, this.db.nodeStore);
  }

  /**
   * The state under `hash` for reads and throwaway overlays (callers roll back what they write),
   * shared by everyone asking about the same block: the pool's validations and the Ethereum RPC's
   * submissions at the best block then read each account once (`BlockState` memoises reads).
   */
  readState(hash: Uint8Array): BlockState {
    const key = Buffer.from(hash).toString("latin1");
    if (this.shared?.key !== key) this.shared = { key, state: this.stateAt(hash) };
    return this.shared.state;
  }

  private shared: { key: string; state: BlockState } | undefined;

  /** `state_call`: a runtime API call on a throwaway overlay at `at` (best block by default). */
  async call(method: string, input: Uint8Array, at?: Uint8Array): Promise<Uint8Array> {
    const state = this.stateAt(at ?? this.best().hash);
    return callRuntimeApi(this.runtime, state.ext, method, input);
  }

  /** Builds a block on `parent` on this thread (see `buildOnState`). */
  async buildBlock(opts: BuildRequest): Promise<BuiltBlock> {
    try {
      const built = await buildOnState(this.runtime, this.stateAt(opts.parent.hash), opts);
      return { ...built, hash: hashHeader(built.header) };
    } catch (err) {
      if (err instanceof InherentFailedError) throw new ChainError("BadBlock", err.message);
      throw err;
    }
  }

  /** Stores a block this node built (and sealed): its state is already computed. */
  async importBuilt(built: BuiltBlock, sealedHeader: Header, opts: { finalize: boolean }): Promise<BlockRef> {
    const hash = hashHeader(sealedHeader);
    const { root, nodes } = built;
    if (!bytesEqual(root, sealedHeader.stateRoot))
      throw new ChainError("BadBlock", "state root mismatch on own block");
    await this.db.commitBlock({
      hash,
      number: sealedHeader.number,
      parentHash: sealedHeader.parentHash,
      header: encode(HeaderCodec, sealedHeader),
      body: encodeBody(built.extrinsics),
      stateRoot: root,
      trieNodes: nodes,
      setBest: true,
      finalize: opts.finalize,
    });
    this.announce({ hash, number: sealedHeader.number }, sealedHeader, built.extrinsics, opts.finalize);
    return { hash, number: sealedHeader.number };
  }

  /**
   * Imports a block from elsewhere (network, `import-blocks`): re-executes it on its parent's state
   * and checks the state and extrinsics roots. `verifySeal` strips and checks the seal first.
   */
  async importBlock(
    header: Header,
    extrinsics: Uint8Array[],
    opts: { finalize: boolean; verifySeal: (header: Header) => Header },
  ): Promise<BlockRef> {
    const hash = hashHeader(header);
    if (this.db.hasBlock(hash)) return { hash, number: header.number };
    const parent = this.header(header.parentHash);
    if (!parent)
      throw new ChainError(
        "UnknownBlock",
        `parent ${toHex(header.parentHash)} of block #${header.number} is unknown`,
      );
    if (parent.number + 1 !== header.number)
      throw new ChainError("BadBlock", "block number does not follow its parent");
    const preSeal = opts.verifySeal(header);
    const state = this.stateAt(header.parentHash);
    try {
      await this.runtime.executeBlock(state.ext, { header: preSeal, extrinsics });
    } catch (err) {
      if (err instanceof BlockExecutionError)
        throw new ChainError("BadBlock", `block #${header.number}: ${err.message}`);
      throw err;
    }
    const { root, nodes } = state.commitData();
    const best = this.best();
    const makeBest = header.number > best.number;
    await this.db.commitBlock({
      hash,
      number: header.number,
      parentHash: header.parentHash,
      header: encode(HeaderCodec, header),
      body: encodeBody(extrinsics),
      stateRoot: root,
      trieNodes: nodes,
      setBest: makeBest,
      finalize: opts.finalize,
    });
    this.announce({ hash, number: header.number }, header, extrinsics, opts.finalize, makeBest);
    return { hash, number: header.number };
  }

  /**
   * Finalizes `hash` and its ancestors. The database moves its finalized head before `finalize`
   * first awaits, so overlapping calls see each other and each block is announced once.
   */
  async finalize(hash: Uint8Array, justification?: Uint8Array): Promise<void> {
    const header = this.headerOrThrow(hash);
    const previous = this.finalized().number;
    if (header.number <= previous) return;
    // Finality can jump several blocks (one justification per round); listeners such as the pool's
    // watchers hear of every block it covers, oldest first.
    const covered: { hash: Uint8Array; number: number; header: Header }[] = [
      { hash, number: header.number, header },
    ];
    for (let h = header; h.number - 1 > previous; ) {
      const parentHash = h.parentHash;
      h = this.headerOrThrow(parentHash);
      covered.push({ hash: parentHash, number: h.number, header: h });
    }
    await this.db.finalize(hash, justification);
    for (let i = covered.length - 1; i >= 0; i--) this.emit("finalized", covered[i]!);
  }

  private announce(
    ref: BlockRef,
    header: Header,
    extrinsics: Uint8Array[],
    finalized: boolean,
    best = true,
  ): void {
    this.emit("imported", { ...ref, header, extrinsics });
    if (best) this.emit("best", { ...ref, header });
    if (finalized) this.emit("finalized", { ...ref, header });
  }

  /** Block hash for a JSON-RPC `at` argument (hash, or best when missing). */
  resolveAt(at: Uint8Array | undefined): Uint8Array {
    if (at === undefined) return this.best().hash;
    if (!this.db.hasBlock(at)) throw new ChainError("UnknownBlock", `unknown block ${toHex(at)}`);
    return at;
  }
}
