import { blake2_256 } from "@darwin/crypto";
import { toHex } from "@darwin/scale";
import type {
  BlockRef,
  Clock,
  PoolValidator,
  TransactionPool,
  ValidationResult,
} from "../src/txpool/index.ts";

/**
 * A toy chain for pool tests. Its "extrinsic" is
 * `[signer, nonce u32 LE, tip u32 LE, flags, salt u32 LE, ...padding]` and its validator answers as the
 * Darwin runtime's `validateTransaction` does: tags are `signer ++ nonce`, a nonce above the account's
 * requires the previous one, a lower nonce is `Stale`, an empty balance is `Payment`.
 */
export const FLAG_BAD_PROOF = 1;
export const FLAG_UNKNOWN = 2;

export interface ToyTx {
  readonly signer: number;
  readonly nonce: number;
  readonly tip?: number;
  readonly flags?: number;
  readonly salt?: number;
  readonly size?: number;
}

export function encodeTx(tx: ToyTx): Uint8Array {
  const out = new Uint8Array(Math.max(14, tx.size ?? 14));
  const view = new DataView(out.buffer);
  out[0] = tx.signer;
  view.setUint32(1, tx.nonce, true);
  view.setUint32(5, tx.tip ?? 0, true);
  out[9] = tx.flags ?? 0;
  view.setUint32(10, tx.salt ?? 0, true);
  return out;
}

export function decodeTx(xt: Uint8Array): Required<Omit<ToyTx, "size">> {
  const view = new DataView(xt.buffer, xt.byteOffset, xt.byteLength);
  return {
    signer: xt[0]!,
    nonce: view.getUint32(1, true),
    tip: view.getUint32(5, true),
    flags: xt[9]!,
    salt: view.getUint32(10, true),
  };
}

export function tag(signer: number, nonce: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = signer;
  new DataView(out.buffer).setUint32(1, nonce, true);
  return out;
}

export function hashOf(xt: Uint8Array): `0x${string}` {
  return toHex(blake2_256(xt));
}

export class ToyChain implements PoolValidator {
  readonly accounts = new Map<number, { nonce: number; balance: number }>();
  number = 0;
  hash: Uint8Array = blockHash(0, 0);
  longevity = 64n;
  validations = 0;
  /** Resolves validation after this many microtask turns, to interleave with other calls. */
  delayTurns = 1;

  constructor(signers: number, balance = 1_000_000) {
    for (let s = 1; s <= signers; s++) this.accounts.set(s, { nonce: 0, balance });
  }

  get head(): BlockRef {
    return { hash: this.hash, number: this.number };
  }

  /** Account states as they were at earlier blocks, for validation at an older `at`. */
  private readonly history = new Map<number, Map<number, { nonce: number; balance: number }>>();

  async validate(xt: Uint8Array, at: BlockRef): Promise<ValidationResult> {
    this.validations++;
    const accounts =
      at.number === this.number ? this.accounts : (this.history.get(at.number) ?? this.accounts);
    for (let i = 0; i < this.delayTurns; i++) await Promise.resolve();
    if (xt.length < 14) return { err: { type: "Invalid", value: { type: "Call" } } };
    const tx = decodeTx(xt);
    if (tx.flags & FLAG_BAD_PROOF) return { err: { type: "Invalid", value: { type: "BadProof" } } };
    if (tx.flags & FLAG_UNKNOWN) return { err: { type: "Unknown", value: { type: "CannotLookup" } } };
    const account = accounts.get(tx.signer);
    if (!account || account.balance <= 0) return { err: { type: "Invalid", value: { type: "Payment" } } };
    if (tx.nonce < account.nonce) return { err: { type: "Invalid", value: { type: "Stale" } } };
    return {
      ok: {
        priority: BigInt(tx.tip),
        requires: tx.nonce > account.nonce ? [tag(tx.signer, tx.nonce - 1)] : [],
        provides: [tag(tx.signer, tx.nonce)],
        longevity: this.longevity,
        propagate: true,
      },
    };
  }

  /** Applies extrinsics the way the runtime's `apply_extrinsic` does (exact nonce); returns what failed. */
  applyBlock(xts: readonly Uint8Array[]): { included: Uint8Array[]; failed: Uint8Array[] } {
    const included: Uint8Array[] = [];
    const failed: Uint8Array[] = [];
    this.history.set(this.number, new Map([...this.accounts].map(([k, v]) => [k, { ...v }])));
    for (const xt of xts) {
      const tx = decodeTx(xt);
      const account = this.accounts.get(tx.signer);
      if (!account || account.nonce !== tx.nonce || account.balance <= 0 || tx.flags !== 0) {
        failed.push(xt);
        continue;
      }
      account.nonce++;
      account.balance--;
      included.push(xt);
    }
    this.number++;
    this.hash = blockHash(this.number, included.length);
    return { included, failed };
  }

  /** Builds a block from the pool's ready set (at most `max`), imports it and tells the pool. */
  async produceBlock(pool: TransactionPool, max = Number.POSITIVE_INFINITY): Promise<Uint8Array[]> {
    const picked: Uint8Array[] = [];
    const pickedPerSigner = new Map<number, number>();
    const iterator = pool.ready();
    for (const tx of iterator) {
      if (picked.length >= max) break;
      const t = decodeTx(tx.data);
      const already = pickedPerSigner.get(t.signer) ?? 0;
      if (t.nonce !== (this.accounts.get(t.signer)?.nonce ?? 0) + already) {
        iterator.reportInvalid(tx.hash);
        continue;
      }
      pickedPerSigner.set(t.signer, already + 1);
      picked.push(tx.data);
    }
    const parentHash = this.hash;
    const { included } = this.applyBlock(picked);
    await pool.onBlockImported({
      hash: this.hash,
      number: this.number,
      parentHash,
      extrinsicHashes: included.map((xt) => blake2_256(xt)),
    });
    return included;
  }
}

function blockHash(number: number, salt: number): Uint8Array {
  return blake2_256(new TextEncoder().encode(`block-${number}-${salt}`));
}

export class ManualClock implements Clock {
  private t = 1_000_000;
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Deterministic Fisher-Yates with a small LCG, so a failing order can be replayed. */
export function shuffle<T>(items: T[], seed = 42): T[] {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
