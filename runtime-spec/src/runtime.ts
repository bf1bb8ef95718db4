import { verifyEthereumSignature } from "@darwin/crypto";
import { aura, balances, ethereum, grandpa, system } from "@darwin/pallets";
import {
  addWeight,
  type Ctx,
  type DispatchInfo,
  type Externalities,
  type Header,
  Header as HeaderCodec,
  type Weight,
} from "@darwin/pallets/support";
import {
  bytes,
  bytesEqual,
  type Codec,
  concatBytes,
  decode,
  decodeLength,
  encode,
  encodeCompact,
  fixedBytes,
  Reader,
  tuple,
  u32,
  vec,
  Writer,
} from "@darwin/scale";
import { actualWeight } from "./compose.ts";
import {
  BLOCK_HASH_COUNT,
  buildDarwinPallets,
  type DarwinPallets,
  MAX_BLOCK_LENGTH,
  MAX_BLOCK_WEIGHT,
  NORMAL_DISPATCH_RATIO_PERCENT,
} from "./darwin.ts";
import { eraBirth, eraDeath } from "./era.ts";
import {
  type DecodedExtrinsic,
  decodeExtrinsic,
  ExtrinsicFormatError,
  encodeUnsignedExtrinsic,
  signingPayload,
} from "./extrinsic.ts";
import {
  type ApplyExtrinsicResult,
  InvalidTransaction,
  type TransactionValidityError,
  type ValidTransaction,
} from "./validity.ts";
import { VERSION } from "./version.ts";

/** What the runtime needs from its host beyond storage (sp_io's trie and logging functions). */
export interface RuntimeHost {
  /** `ordered_trie_root`: the root of a trie keyed by compact-encoded indices. */
  orderedTrieRoot(items: readonly Uint8Array[]): Uint8Array;
  log?(level: "error" | "warn" | "info" | "debug", target: string, message: string): void;
}

export interface Block {
  readonly header: Header;
  /** Each extrinsic exactly as submitted (length-prefixed). */
  readonly extrinsics: readonly Uint8Array[];
}

/** Encodes a block body: `Vec<UncheckedExtrinsic>`, each already length-prefixed. */
export function encodeBlock(block: Block): Uint8Array {
  const w = new Writer(1024);
  HeaderCodec.encodeTo(block.header, w);
  encodeCompact(block.extrinsics.length, w);
  for (const x of block.extrinsics) w.bytes(x);
  return w.finish();
}

export function decodeBlock(data: Uint8Array): Block {
  const r = new Reader(data);
  const header = HeaderCodec.decodeFrom(r);
  const extrinsics = readExtrinsicList(r);
  if (r.remaining !== 0) throw new ExtrinsicFormatError("trailing bytes after block");
  return { header, extrinsics };
}

/** Reads `Vec<UncheckedExtrinsic>` keeping each extrinsic's bytes (with its own length prefix). */
export function readExtrinsicList(r: Reader): Uint8Array[] {
  const n = decodeLength(r);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const start = r.offset;
    const len = decodeLength(r);
    r.bytes(len);
    out.push(r.data.slice(start, r.offset));
  }
  return out;
}

export const InherentDataCodec: Codec<[Uint8Array, Uint8Array][]> = vec(tuple(fixedBytes(8), bytes));

export function encodeInherentData(data: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const utf8 = new TextEncoder();
  const entries = [...data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return encode(
    InherentDataCodec,
    entries.map(([k, v]) => [utf8.encode(k.padEnd(8, "\0").slice(0, 8)), v]),
  );
}

export function decodeInherentData(raw: Uint8Array): Map<string, Uint8Array> {
  const dec = new TextDecoder();
  return new Map(decode(InherentDataCodec, raw).map(([k, v]) => [dec.decode(k), v]));
}

export class BlockExecutionError extends Error {
  readonly code: "BadStateRoot" | "BadExtrinsicsRoot" | "InvalidExtrinsic" | "BadInherent" | "BadHeader";
  constructor(code: BlockExecutionError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

interface Checked {
  readonly xt: DecodedExtrinsic;
  readonly info: DispatchInfo;
  readonly len: number;
  /** The signer recovered from a self-contained call (`ethereum.transact`). */
  readonly selfContained?: Uint8Array;
}

/**
 * The Darwin runtime: the state-transition function. Everything it touches goes through `ext`
 * (storage) and `host` (trie roots, logging); it keeps no state of its own between calls.
 */
export class DarwinRuntime {
  readonly version = VERSION;
  readonly pallets: DarwinPallets;
  readonly host: RuntimeHost;

  constructor(host: RuntimeHost) {
    this.host = host;
    this.pallets = buildDarwinPallets();
    for (const e of this.pallets.runtime.entries) e.pallet.spec.hooks?.integrityTest?.();
  }

  get composed() {
    return this.pallets.runtime;
  }

  ctx(ext: Externalities): Ctx {
    return this.pallets.runtime.createCtx(ext);
  }

  // ---------------------------------------------------------------- Core / BlockBuilder

  async initializeBlock(ext: Externalities, header: Header): Promise<void> {
    system.initializeBlock(ext, header.number, header.parentHash, header.digest);
    const ctx = this.ctx(ext);
    let used: Weight = { refTime: 0n, proofSize: 0n };
    for (const e of this.pallets.runtime.entries) {
      const hook = e.pallet.spec.hooks?.onInitialize;
      if (hook) used = addWeight(used, await hook(ctx, header.number));
    }
    system.BlockWeightUsed.set(ext, addWeight(used, { refTime: 5_000_000_000n, proofSize: 0n }));
    system.noteFinishedInitialize(ext);
  }

  /** Applies one extrinsic on top of the block being built or imported. */
  async applyExtrinsic(ext: Externalities, encoded: Uint8Array): Promise<ApplyExtrinsicResult> {
    let checked: Checked;
    try {
      checked = this.check(ext, encoded);
    } catch (err) {
      return { err: asValidityError(err) };
    }
    const { xt, info, len } = checked;
    const ctx = this.ctx(ext);
    const index = system.ExtrinsicCount.get(ext) ?? 0;
    if (checked.selfContained)
      return this.applySelfContained(ext, checked, checked.selfContained, index, encoded);
    // Pre-dispatch checks write (nonce, fee, weight); a rejection must leave no trace.
    ext.startTransaction();
    let withdrawn = 0n;
    try {
      this.checkBlockLimits(ext, info, len);
      if (xt.signed) {
        this.checkNonce(ext, xt.signed.signer, xt.signed.extra.nonce, true);
        system.incNonce(ext, xt.signed.signer);
        withdrawn = this.chargeFee(ctx, xt.signed.signer, len, info, xt.signed.extra.tip);
      }
    } catch (err) {
      ext.rollbackTransaction();
      return { err: asValidityError(err) };
    }
    ext.commitTransaction();
    system.noteExtrinsic(ext, index, encoded);
    const origin = xt.signed ? { kind: "signed" as const, who: xt.signed.signer } : { kind: "none" as const };
    const outcome = await this.pallets.runtime.dispatch(ctx, origin, xt.call);
    const actual = actualWeight(info, outcome.post);
    const paysFee = outcome.post.paysFee ?? info.paysFee;
    if (xt.signed) {
      const postInfo: DispatchInfo = { ...info, paysFee };
      this.pallets.payment.settle(
        ctx,
        xt.signed.signer,
        len,
        postInfo,
        xt.signed.extra.tip,
        withdrawn,
        actual,
      );
    }
    const used = system.BlockWeightUsed.get(ext);
    system.BlockWeightUsed.set(
      ext,
      addWeight(used, addWeight(actual, { refTime: 125_000_000n, proofSize: 0n })),
    );
    system.AllExtrinsicsLen.set(ext, (system.AllExtrinsicsLen.get(ext) ?? 0) + len);
    const dispatchInfo: DispatchInfo = { weight: actual, class: info.class, paysFee };
    if (outcome.ok) ctx.deposit("System", "ExtrinsicSuccess", { dispatch_info: dispatchInfo });
    else
      ctx.deposit("System", "ExtrinsicFailed", {
        dispatch_error: outcome.error,
        dispatch_info: dispatchInfo,
      });
    system.noteAppliedExtrinsic(ext, index);
    if (!outcome.ok && info.class.type === "Mandatory") {
      return { err: { type: "Invalid", value: { type: "BadMandatory" } } };
    }
    return { ok: outcome.ok ? { ok: null } : { err: outcome.error } };
  }

  /**
   * A self-contained Ethereum transaction: its own signature, nonce and fee were checked by the
   * Ethereum pallet; it pays through the EVM (gas x price via OnChargeTransaction), not by weight.
   * A transaction the pallet refuses (nonce, funds, fee, block gas) is invalid and leaves no trace.
   */
  private async applySelfContained(
    ext: Externalities,
    checked: Checked,
    signer: Uint8Array,
    index: number,
    encoded: Uint8Array,
  ): Promise<ApplyExtrinsicResult> {
    const { xt, info, len } = checked;
    const ctx = this.ctx(ext);
    ext.startTransaction();
    let post: { actualWeight?: Weight };
    try {
      this.checkBlockLimits(ext, info, len);
      system.noteExtrinsic(ext, index, encoded);
      post = await this.pallets.frontier.ethereum.applySelfContained(ctx, xt.call, signer);
    } catch (err) {
      ext.rollbackTransaction();
      return { err: asSelfContainedInvalid(err).validity };
    }
    ext.commitTransaction();
    const actual = actualWeight(info, post);
    const used = system.BlockWeightUsed.get(ext);
    system.BlockWeightUsed.set(
      ext,
      addWeight(used, addWeight(actual, { refTime: 125_000_000n, proofSize: 0n })),
    );
    system.AllExtrinsicsLen.set(ext, (system.AllExtrinsicsLen.get(ext) ?? 0) + len);
    ctx.deposit("System", "ExtrinsicSuccess", {
      dispatch_info: { weight: actual, class: info.class, paysFee: { type: "No" } },
    });
    system.noteAppliedExtrinsic(ext, index);
    return { ok: { ok: null } };
  }

  async finalizeBlock(ext: Externalities): Promise<Header> {
    system.noteFinishedExtrinsics(ext);
    const ctx = this.ctx(ext);
    const n = system.blockNumber(ext);
    // on_idle: pallets may use the weight the block left unused, in pallet order, until it runs out.
    let remaining = MAX_BLOCK_WEIGHT.refTime - system.BlockWeightUsed.get(ext).refTime;
    for (const e of this.pallets.runtime.entries) {
      const idle = e.pallet.spec.hooks?.onIdle;
      if (!idle || remaining <= 0n) continue;
      const used = idle(ctx, n, { refTime: remaining, proofSize: MAX_BLOCK_WEIGHT.proofSize });
      remaining -= used.refTime;
    }
    for (const e of this.pallets.runtime.entries) await e.pallet.spec.hooks?.onFinalize?.(ctx, n);
    const done = system.finalizeBlock(ext, BLOCK_HASH_COUNT, (items) => this.host.orderedTrieRoot(items));
    return {
      parentHash: done.parentHash,
      number: done.number,
      stateRoot: ext.storageRoot(),
      extrinsicsRoot: done.extrinsicsRoot,
      digest: done.digest,
    };
  }

  /** The inherent extrinsics (timestamp, ...) for a block, from the author's inherent data. */
  inherentExtrinsics(data: ReadonlyMap<string, Uint8Array>): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const { name, inherent } of this.pallets.inherentPallets) {
      const call = inherent.create(data);
      if (!call) continue;
      out.push(encodeUnsignedExtrinsic(encode(this.pallets.runtime.callCodec, { type: name, value: call })));
    }
    return out;
  }

  /** Re-executes a block (its header without the seal) and checks the roots it claims. */
  async executeBlock(ext: Externalities, block: Block): Promise<void> {
    await this.initializeBlock(ext, {
      ...block.header,
      stateRoot: new Uint8Array(32),
      extrinsicsRoot: new Uint8Array(32),
    });
    let inherentsDone = false;
    for (const [i, xt] of block.extrinsics.entries()) {
      const decoded = (() => {
        try {
          return decodeExtrinsic(this.pallets.runtime.callCodec, xt);
        } catch (err) {
          throw new BlockExecutionError("InvalidExtrinsic", `extrinsic ${i}: ${(err as Error).message}`);
        }
      })();
      const inherent = !decoded.signed && this.isInherentCall(decoded);
      if (inherent && inherentsDone)
        throw new BlockExecutionError("BadInherent", `inherent at position ${i} after other extrinsics`);
      if (!inherent) inherentsDone = true;
      const result = await this.applyExtrinsic(ext, xt);
      if ("err" in result) {
        throw new BlockExecutionError(
          "InvalidExtrinsic",
          `extrinsic ${i} is invalid: ${JSON.stringify(result.err)}`,
        );
      }
    }
    const header = await this.finalizeBlock(ext);
    if (!bytesEqual(header.extrinsicsRoot, block.header.extrinsicsRoot)) {
      throw new BlockExecutionError("BadExtrinsicsRoot", "extrinsics root mismatch");
    }
    if (!bytesEqual(header.stateRoot, block.header.stateRoot)) {
      throw new BlockExecutionError("BadStateRoot", "state root mismatch");
    }
  }

  private isInherentCall(xt: DecodedExtrinsic): boolean {
    return this.pallets.inherentPallets.some(
      (p) => p.name === xt.call.type && p.inherent.isInherent(xt.call.value),
    );
  }

  // ---------------------------------------------------------------- TaggedTransactionQueue

  /**
   * Validates a transaction for the pool, on the state of `blockHash` as if in the block after it.
   * Runs in a layer that is always rolled back.
   */
  async validateTransaction(
    ext: Externalities,
    encoded: Uint8Array,
    blockHash: Uint8Array,
  ): Promise<{ ok: ValidTransaction } | { err: TransactionValidityError }> {
    ext.startTransaction();
    try {
      const number = system.blockNumber(ext) + 1;
      system.initializeBlock(ext, number, blockHash, { logs: [] });
      const { xt, info, len, selfContained } = this.check(ext, encoded);
      if (selfContained) {
        this.checkBlockLimits(ext, info, len, true);
        try {
          return { ok: this.pallets.frontier.ethereum.validateSelfContained(ext, xt.call).valid };
        } catch (err) {
          throw asSelfContainedInvalid(err);
        }
      }
      if (!xt.signed) {
        if (info.class.type === "Mandatory") throw InvalidTransaction.invalid("MandatoryValidation");
        throw InvalidTransaction.unknown("NoUnsignedValidator");
      }
      this.checkBlockLimits(ext, info, len, true);
      const { signer, extra } = xt.signed;
      const current = this.checkNonce(ext, signer, extra.nonce, false);
      const ctx = this.ctx(ext);
      this.chargeFee(ctx, signer, len, info, extra.tip);
      const tag = (n: number) => concatBytes(signer, encode(u32, n));
      return {
        ok: {
          priority: this.pallets.payment.priority(info, len, extra.tip),
          requires: extra.nonce > current ? [tag(extra.nonce - 1)] : [],
          provides: [tag(extra.nonce)],
          longevity: BigInt(Math.max(1, Math.min(eraDeath(extra.era, number) - number, 2 ** 53))),
          propagate: true,
        },
      };
    } catch (err) {
      return { err: asValidityError(err) };
    } finally {
      ext.rollbackTransaction();
    }
  }

  // ---------------------------------------------------------------- checks

  /** Decodes and checks the signature and the signed extensions' additional data. */
  private check(ext: Externalities, encoded: Uint8Array): Checked {
    let xt: DecodedExtrinsic;
    try {
      xt = decodeExtrinsic(this.pallets.runtime.callCodec, encoded);
    } catch {
      throw InvalidTransaction.invalid("Call");
    }
    let info: DispatchInfo;
    try {
      info = this.pallets.runtime.dispatchInfo(xt.call);
    } catch {
      throw InvalidTransaction.invalid("Call");
    }
    if (xt.signed) {
      const { signer, signature, extra } = xt.signed;
      if (signer.every((b) => b === 0)) throw InvalidTransaction.invalid("BadSigner");
      if (info.class.type === "Mandatory") throw InvalidTransaction.invalid("BadProof");
      const number = system.blockNumber(ext);
      const birth = eraBirth(extra.era, number);
      if (extra.era.type === "Mortal" && (birth > number || !system.BlockHash.contains(ext, birth))) {
        throw InvalidTransaction.invalid("AncientBirthBlock");
      }
      const genesisHash = system.BlockHash.get(ext, 0);
      const checkpointHash = extra.era.type === "Immortal" ? genesisHash : system.BlockHash.get(ext, birth);
      const payload = signingPayload(xt.callBytes, extra, {
        specVersion: VERSION.specVersion,
        transactionVersion: VERSION.transactionVersion,
        genesisHash,
        checkpointHash,
      });
      if (!verifyEthereumSignature(payload, signature, signer)) throw InvalidTransaction.invalid("BadProof");
    } else if (this.pallets.frontier.ethereum.isSelfContained(xt.call)) {
      try {
        const signer = this.pallets.frontier.ethereum.checkSelfContained(xt.call);
        return { xt, info, len: encoded.length, selfContained: signer };
      } catch (err) {
        throw asSelfContainedInvalid(err);
      }
    } else if (!this.isInherentCall(xt)) {
      throw InvalidTransaction.unknown("NoUnsignedValidator");
    }
    return { xt, info, len: encoded.length };
  }

  /** CheckNonce: equal nonces apply; lower ones are stale; higher ones are future (they wait). */
  private checkNonce(ext: Externalities, who: Uint8Array, nonce: number, exact: boolean): number {
    const account = system.accountOf(ext, who);
    if (account.providers === 0 && account.sufficients === 0) throw InvalidTransaction.invalid("Payment");
    if (nonce < account.nonce) throw InvalidTransaction.invalid("Stale");
    if (exact && nonce > account.nonce) throw InvalidTransaction.invalid("Future");
    return account.nonce;
  }

  /** CheckWeight: the extrinsic fits the block (or, for validation, an empty block). */
  private checkBlockLimits(ext: Externalities, info: DispatchInfo, len: number, emptyBlock = false): void {
    if (info.class.type === "Mandatory") return;
    const limit =
      info.class.type === "Normal"
        ? (MAX_BLOCK_WEIGHT.refTime * NORMAL_DISPATCH_RATIO_PERCENT) / 100n
        : MAX_BLOCK_WEIGHT.refTime;
    const lengthLimit = info.class.type === "Normal" ? (MAX_BLOCK_LENGTH * 3) / 4 : MAX_BLOCK_LENGTH;
    const usedWeight = emptyBlock ? 0n : system.BlockWeightUsed.get(ext).refTime;
    const usedLen = emptyBlock ? 0 : (system.AllExtrinsicsLen.get(ext) ?? 0);
    if (usedWeight + info.weight.refTime + 125_000_000n > limit || usedLen + len > lengthLimit) {
      throw InvalidTransaction.invalid("ExhaustsResources");
    }
  }

  private chargeFee(ctx: Ctx, who: Uint8Array, len: number, info: DispatchInfo, tip: bigint): bigint {
    try {
      return this.pallets.payment.charge(ctx, who, len, info, tip);
    } catch {
      throw InvalidTransaction.invalid("Payment");
    }
  }

  // ---------------------------------------------------------------- queries

  queryInfo(
    ext: Externalities,
    encoded: Uint8Array,
    len: number,
  ): { weight: Weight; class: DispatchInfo["class"]; partialFee: bigint } {
    const xt = decodeExtrinsic(this.pallets.runtime.callCodec, encoded);
    const info = this.pallets.runtime.dispatchInfo(xt.call);
    const partialFee = xt.signed
      ? this.pallets.payment.totalFee(this.pallets.payment.computeFeeDetails({ ext }, len, info, 0n))
      : 0n;
    return { weight: info.weight, class: info.class, partialFee };
  }

  queryFeeDetails(ext: Externalities, encoded: Uint8Array, len: number) {
    const xt = decodeExtrinsic(this.pallets.runtime.callCodec, encoded);
    const info = this.pallets.runtime.dispatchInfo(xt.call);
    if (!xt.signed) return { inclusionFee: undefined, tip: 0n };
    const d = this.pallets.payment.computeFeeDetails({ ext }, len, info, xt.signed.extra.tip);
    return {
      inclusionFee: { baseFee: d.baseFee, lenFee: d.lenFee, adjustedWeightFee: d.adjustedWeightFee },
      tip: d.tip,
    };
  }

  accountNonce(ext: Externalities, who: Uint8Array): number {
    return system.accountOf(ext, who).nonce;
  }

  auraAuthorities(ext: Externalities): Uint8Array[] {
    return aura.Authorities.get(ext);
  }

  grandpaAuthorities(ext: Externalities): [Uint8Array, bigint][] {
    return grandpa.Authorities.get(ext);
  }

  totalIssuance(ext: Externalities): bigint {
    return balances.TotalIssuance.get(ext);
  }
}

/** The Ethereum pallet's refusals carry their transaction-validity reason. */
function asSelfContainedInvalid(err: unknown): InvalidTransaction {
  if (err instanceof ethereum.EthereumTransactionError)
    return new InvalidTransaction(err.validity as TransactionValidityError);
  if (err instanceof InvalidTransaction) return err;
  return InvalidTransaction.invalid("Call");
}

function asValidityError(err: unknown): TransactionValidityError {
  if (err instanceof InvalidTransaction) return err.validity;
  return { type: "Invalid", value: { type: "Call" } };
}
