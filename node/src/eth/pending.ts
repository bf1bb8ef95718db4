import { toHex } from "@darwin/scale";

interface Offer {
  readonly ethHash: string;
  readonly poolHash: Uint8Array;
  readonly maxFee: bigint;
  readonly tip: bigint;
  /** The signed transaction, for eth_getTransactionByHash while it is pending. */
  readonly raw?: Uint8Array;
}

/** geth's rule: a replacement must raise both fee caps by at least this many percent. */
export const PRICE_BUMP_PERCENT = 10n;

/**
 * The (sender, nonce) slots of transactions accepted by eth_sendRawTransaction, so a same-nonce
 * replacement is judged as geth does (already known / underpriced) even while the original waits
 * in the future queue, where the pool does not compare priorities. Bounded; stale slots are
 * dropped when the sender's on-chain nonce passes them or the pool no longer holds the original.
 */
export class PendingSlots {
  private readonly slots = new Map<string, Offer>();
  private readonly byHash = new Map<string, Offer>();
  private readonly maxEntries: number;

  constructor(opts: { maxEntries?: number } = {}) {
    this.maxEntries = opts.maxEntries ?? 65_536;
  }

  private key(sender: Uint8Array, nonce: bigint): string {
    return `${toHex(sender)}:${nonce}`;
  }

  /** Throws the geth message if this offer may not take the slot; `inPool` says whether the holder is still pooled. */
  check(
    sender: Uint8Array,
    nonce: bigint,
    offer: { ethHash: string; maxFee: bigint; tip: bigint },
    inPool: (poolHash: Uint8Array) => boolean,
  ): "already known" | "replacement transaction underpriced" | undefined {
    const k = this.key(sender, nonce);
    const held = this.slots.get(k);
    if (!held) return undefined;
    if (!inPool(held.poolHash)) {
      this.forget(k);
      return undefined;
    }
    if (held.ethHash === offer.ethHash) return "already known";
    const bumped = (old: bigint) => old + (old * PRICE_BUMP_PERCENT) / 100n;
    if (offer.maxFee < bumped(held.maxFee) || offer.tip < bumped(held.tip))
      return "replacement transaction underpriced";
    return undefined;
  }

  record(sender: Uint8Array, nonce: bigint, offer: Offer): void {
    if (this.slots.size >= this.maxEntries) {
      const oldest = this.slots.keys().next().value;
      if (oldest !== undefined) this.forget(oldest);
    }
    const k = this.key(sender, nonce);
    this.forget(k);
    this.slots.set(k, offer);
    this.byHash.set(offer.ethHash, offer);
  }

  private forget(key: string): boolean {
    const held = this.slots.get(key);
    if (!held) return false;
    this.slots.delete(key);
    if (this.byHash.get(held.ethHash) === held) this.byHash.delete(held.ethHash);
    return true;
  }

  /** The signed bytes of a transaction accepted here and still in the pool (a lookup, no scan). */
  pendingRaw(ethHash: string, inPool: (poolHash: Uint8Array) => boolean): Uint8Array | undefined {
    const held = this.byHash.get(ethHash);
    if (!held) return undefined;
    if (!inPool(held.poolHash)) {
      this.byHash.delete(ethHash);
      return undefined;
    }
    return held.raw;
  }

  /** Forgets the sender's slots below its on-chain nonce (those transactions are in blocks). */
  prune(sender: Uint8Array, onChainNonce: number): void {
    for (let n = BigInt(onChainNonce) - 1n; n >= 0n; n--) {
      if (!this.forget(this.key(sender, n))) break;
    }
  }
}
