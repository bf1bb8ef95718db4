import type { Logger } from "@darwin/observability";
import { aura, grandpa, timestamp } from "@darwin/pallets";
import type { Header } from "@darwin/pallets/support";
import { encode, toHex, u64 } from "@darwin/scale";
import { type BlockBuilder, inlineBlockBuilder } from "../authorship/index.ts";
import type { BlockRef, Candidate, Chain } from "../chain/chain.ts";
import type { Keystore } from "../keystore/index.ts";
import { claimSlot, preRuntimeDigest, sealHeader, slotOf } from "./aura.ts";
import { makeJustification } from "./finality.ts";

export type SealingMode =
  | { readonly kind: "aura" }
  | { readonly kind: "instant" }
  | { readonly kind: "interval"; readonly ms: number }
  | { readonly kind: "manual" };

/** What the producer needs from the transaction pool. */
export interface ReadySource {
  ready(): Iterable<Candidate>;
  /** Called after a block with these pool hashes was imported; `invalid` were rejected by the runtime. */
  blockBuilt(
    block: BlockRef,
    included: readonly Uint8Array[],
    invalid: readonly Uint8Array[],
  ): Promise<void> | void;
  onReadyChange(listener: () => void): void;
}

export interface ProducerOpts {
  readonly sealing: SealingMode;
  readonly slotDurationMs: number;
  /** Finalize own blocks (the node holds the keys of every GRANDPA authority, e.g. a dev chain). */
  readonly selfFinalize: boolean;
  /** Delay between import and finality, so clients see `inBlock` before `finalized`. */
  readonly finalityDelayMs: number;
  readonly maxExtrinsicsPerBlock?: number;
  /**
   * Instant sealing: the least time between the starts of two blocks (default 50 ms). A transaction
   * arriving after a quiet spell gets its block at once; a stream of them shares blocks instead of
   * paying a block's fixed cost (state root, commit, seal, import, notifications) each (BENCHMARKS.md,
   * evm-http: 10, 25, 50 and 100 ms compared).
   */
  readonly instantMinGapMs?: number;
}

export class ProducerError extends Error {
  readonly code: "NotAuthority" | "UnknownParent" | "NothingToFinalize";
  constructor(code: ProducerError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Authors blocks: Aura slots (sr25519 `aura` key from the keystore), or dev sealing modes in the
 * manner of Frontier's manual-seal (`instant`, every N ms, or on `engine_createBlock`).
 */
export class BlockProducer {
  private readonly opts: ProducerOpts;
  private readonly chain: Chain;
  private readonly pool: ReadySource;
  private readonly keystore: Keystore;
  private readonly log: Logger;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private building: Promise<unknown> = Promise.resolve();
  private pendingInstant = false;
  private lastInstantStart = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private readonly builder: BlockBuilder;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Built blocks waiting for self-finality, oldest first (see `scheduleFinality`). */
  private readonly finalityDue: { hash: Uint8Array; due: number }[] = [];
  private finalityTimer: NodeJS.Timeout | undefined;

  constructor(
    opts: ProducerOpts,
    modules: {
      chain: Chain;
      pool: ReadySource;
      keystore: Keystore;
      logger: Logger;
      now?: () => number;
      builder?: BlockBuilder;
    },
  ) {
    this.opts = opts;
    this.chain = modules.chain;
    this.builder = modules.builder ?? inlineBlockBuilder(modules.chain);
    this.pool = modules.pool;
    this.keystore = modules.keystore;
    this.log = modules.logger.child({ module: "author" });
    this.now = modules.now ?? Date.now;
  }

  start(): void {
    const { sealing } = this.opts;
    if (sealing.kind === "aura") this.scheduleSlot();
    else if (sealing.kind === "interval") {
      this.timer = setInterval(() => {
        this.enqueue(() => this.produce({ createEmpty: true, finalize: this.opts.selfFinalize })).catch(
          ignore,
        );
      }, sealing.ms);
    } else if (sealing.kind === "instant") {
      this.pool.onReadyChange(() => this.triggerInstant());
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.timers) clearTimeout(t);
    await this.building.catch(() => undefined);
  }

  private triggerInstant(): void {
    if (this.pendingInstant || this.stopped) return;
    this.pendingInstant = true;
    const run = () => {
      this.enqueue(async () => {
        this.pendingInstant = false;
        this.lastInstantStart = performance.now();
        await this.produce({ createEmpty: false, finalize: this.opts.selfFinalize });
      }).catch(ignore);
    };
    // Queued behind the I/O callbacks already waiting, not as a microtask of the submission that
    // triggered it: requests that arrived together are validated first and share one block.
    const wait = this.lastInstantStart + (this.opts.instantMinGapMs ?? 50) - performance.now();
    if (wait > 0) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        run();
      }, wait);
      this.timers.add(t);
    } else setImmediate(run);
  }

  /** Blocks are built one at a time, in order. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.building.then(task, task);
    this.building = run.catch((err: unknown) => {
      this.log.error({ err: String(err) }, "block production failed");
    });
    return run;
  }

  private scheduleSlot(): void {
    if (this.stopped) return;
    const d = this.opts.slotDurationMs;
    const wait = d - (this.now() % d);
    this.timer = setTimeout(() => {
      void this.enqueue(() =>
        this.produce({ createEmpty: true, finalize: this.opts.selfFinalize, requireSlotClaim: true }),
      );
      this.scheduleSlot();
    }, wait);
  }

  /** `engine_createBlock`. */
  createBlock(opts: { createEmpty: boolean; finalize: boolean; parentHash?: Uint8Array }) {
    return this.enqueue(() => this.produce(opts));
  }

  /** `engine_finalizeBlock`. */
  async finalizeBlock(hash: Uint8Array): Promise<void> {
    await this.finalizeWithJustification(hash);
  }

  private async produce(opts: {
    createEmpty: boolean;
    finalize: boolean;
    parentHash?: Uint8Array;
    requireSlotClaim?: boolean;
  }): Promise<{ hash: Uint8Array; number: number } | undefined> {
    if (this.stopped) return undefined;
    const parentHash = opts.parentHash ?? this.chain.best().hash;
    const parentHeader = this.chain.header(parentHash);
    if (!parentHeader) throw new ProducerError("UnknownParent", `unknown parent ${toHex(parentHash)}`);
    const parent = { hash: parentHash, number: parentHeader.number };
    const candidates = [...this.pool.ready()];
    if (!opts.createEmpty && candidates.length === 0) return undefined;

    const parentState = this.chain.stateAt(parentHash);
    const authorities = aura.Authorities.get(parentState.ext);
    const d = BigInt(this.opts.slotDurationMs);
    const wallSlot = BigInt(this.now()) / d;
    const parentSlot = slotOf(parentHeader) ?? aura.CurrentSlot.get(parentState.ext);
    // Dev sealing may outpace wall-clock slots: a block always takes the next free slot.
    const slot = opts.requireSlotClaim ? wallSlot : wallSlot > parentSlot ? wallSlot : parentSlot + 1n;
    if (opts.requireSlotClaim && slot <= parentSlot) return undefined;
    let key = claimSlot(slot, authorities, this.keystore);
    let chosenSlot = slot;
    if (!key && !opts.requireSlotClaim) {
      // Dev sealing: take the next slot this node may author.
      for (let s = slot; s < slot + BigInt(Math.max(authorities.length, 1)); s++) {
        key = claimSlot(s, authorities, this.keystore);
        if (key) {
          chosenSlot = s;
          break;
        }
      }
    }
    if (!key) {
      if (opts.requireSlotClaim) return undefined;
      throw new ProducerError("NotAuthority", "this node holds no aura key of the current authorities");
    }
    const prevTime = timestamp.Now.get(parentState.ext);
    const minPeriod = d / 2n;
    let now = BigInt(this.now());
    if (now < prevTime + minPeriod) now = prevTime + minPeriod;
    const started = performance.now();
    const built = await this.builder.build({
      parent,
      preRuntime: [preRuntimeDigest(chosenSlot)],
      inherentData: new Map([[timestamp.TIMESTAMP_INHERENT_ID, encode(u64, now)]]),
      candidates,
      ...(this.opts.maxExtrinsicsPerBlock !== undefined
        ? { maxExtrinsics: this.opts.maxExtrinsicsPerBlock }
        : {}),
    });
    const sealed: Header = sealHeader(built.header, key);
    const ref = await this.chain.importBuilt(built, sealed, { finalize: false });
    this.log.info(
      {
        number: ref.number,
        hash: toHex(ref.hash),
        extrinsics: built.extrinsics.length,
        ms: Math.round(performance.now() - started),
      },
      `Prepared block #${ref.number}`,
    );
    await this.pool.blockBuilt(
      ref,
      built.included,
      built.invalid.map((i) => i.hash),
    );
    if (opts.finalize) this.scheduleFinality(ref.hash);
    return ref;
  }

  /**
   * Self-finality works in rounds, as GRANDPA does: a block becomes final `finalityDelayMs` after it
   * was built at the earliest, and one justification per round covers every block that is due by
   * then (rounds at least `finalityDelayMs` apart). Instant sealing can build a block every few ms;
   * a justification, a database commit and the notifications for each of them cost the RPC thread
   * more than the block itself.
   */
  private scheduleFinality(hash: Uint8Array): void {
    const delay = this.opts.finalityDelayMs;
    this.finalityDue.push({ hash, due: this.now() + delay });
    if (this.finalityTimer === undefined) this.armFinality(delay);
  }

  private armFinality(wait: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.finalityTimer = undefined;
      const now = this.now();
      let target: Uint8Array | undefined;
      while (this.finalityDue.length > 0 && this.finalityDue[0]!.due <= now)
        target = this.finalityDue.shift()!.hash;
      if (target !== undefined)
        this.finalizeWithJustification(target).catch((err: unknown) =>
          this.log.warn({ err: String(err) }, "finality failed"),
        );
      const next = this.finalityDue[0];
      if (next !== undefined) this.armFinality(Math.max(next.due - now, this.opts.finalityDelayMs));
    }, wait);
    this.timers.add(t);
    this.finalityTimer = t;
  }

  private async finalizeWithJustification(hash: Uint8Array): Promise<void> {
    const header = this.chain.header(hash);
    if (!header) throw new ProducerError("NothingToFinalize", `unknown block ${toHex(hash)}`);
    if (header.number <= this.chain.finalized().number) return;
    const state = this.chain.stateAt(hash);
    const authorities = grandpa.Authorities.get(state.ext);
    const setId = grandpa.CurrentSetId.get(state.ext);
    const voters = authorities.flatMap(([id]) => {
      const k = this.keystore.find("gran", id);
      return k ? [k] : [];
    });
    const justification = makeJustification(
      { targetHash: hash, targetNumber: header.number },
      1n,
      setId,
      voters,
    );
    await this.chain.finalize(hash, justification);
  }
}

/** Failures are logged where tasks are queued (`enqueue`); callers that do not wait drop them here. */
function ignore(): void {}
