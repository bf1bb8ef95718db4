import type { Logger } from "@darwin/observability";
import { ethereum } from "@darwin/pallets";
import { bytesEqual, toHex } from "@darwin/scale";
import type { Chain } from "../chain/chain.ts";

/** One Substrate block's Ethereum block, as the Ethereum pallet stored it in that block's state. */
export interface EthBlockData {
  readonly substrateHash: Uint8Array;
  readonly number: number;
  readonly hash: Uint8Array;
  readonly block: ethereum.EthBlock;
  readonly receipts: readonly ethereum.Receipt[];
  readonly statuses: readonly ethereum.TransactionStatus[];
}

export interface TxLocation {
  readonly substrateHash: Uint8Array;
  readonly index: number;
}

/**
 * The node's Ethereum lookup index (Frontier's mapping-sync): Ethereum block hash -> Substrate block
 * and Ethereum transaction hash -> (block, index).
 *
 * Kept in memory and rebuilt from the chain at start rather than persisted: the source of truth is
 * already in the database (each block's state holds its Ethereum block), a rebuild reads one storage
 * value per block, and an in-memory index can never disagree with the chain after a crash or a
 * revert. Blocks whose state was pruned keep no entry (their transactions are not found by hash).
 */
export class EthIndex {
  private readonly chain: Chain;
  private readonly log: Logger;
  private readonly blocks = new Map<string, Uint8Array>();
  private readonly txs = new Map<string, TxLocation>();
  private readonly cache = new Map<string, EthBlockData>();
  private readonly cacheSize: number;
  private readonly onImported = (b: { hash: Uint8Array }) => {
    this.indexBlock(b.hash);
  };

  constructor(opts: { cacheSize?: number }, modules: { chain: Chain; logger: Logger }) {
    this.chain = modules.chain;
    this.log = modules.logger.child({ module: "eth-index" });
    this.cacheSize = opts.cacheSize ?? 256;
  }

  /** Indexes the canonical chain from genesis to the best block, then follows imports. */
  start(): void {
    const best = this.chain.best().number;
    let indexed = 0;
    for (let n = 0; n <= best; n++) {
      const hash = this.chain.hashAt(n);
      if (hash && this.indexBlock(hash)) indexed++;
    }
    this.log.info({ blocks: indexed, best }, "Ethereum index rebuilt");
    this.chain.on("imported", this.onImported);
  }

  stop(): void {
    this.chain.off("imported", this.onImported);
  }

  private indexBlock(substrateHash: Uint8Array): boolean {
    const data = this.load(substrateHash);
    if (!data) return false;
    this.blocks.set(toHex(data.hash), substrateHash);
    data.statuses.forEach((s, index) => {
      this.txs.set(toHex(s.transactionHash), { substrateHash, index });
    });
    return true;
  }

  /** The Ethereum block carried by Substrate block `substrateHash` (undefined if unknown or pruned). */
  load(substrateHash: Uint8Array): EthBlockData | undefined {
    const key = toHex(substrateHash);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const header = this.chain.header(substrateHash);
    if (!header) return undefined;
    let ext: ReturnType<Chain["stateAt"]>["ext"];
    try {
      ext = this.chain.stateAt(substrateHash).ext;
    } catch {
      return undefined;
    }
    const block = ethereum.CurrentBlock.get(ext);
    if (!block) return undefined;
    const data: EthBlockData = {
      substrateHash,
      number: header.number,
      hash: ethereum.ethHeaderHash(block.header),
      block,
      receipts: ethereum.CurrentReceipts.get(ext) ?? [],
      statuses: ethereum.CurrentTransactionStatuses.get(ext) ?? [],
    };
    if (this.cache.size >= this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, data);
    return data;
  }

  /** The Substrate block of an Ethereum block hash. */
  substrateHashOf(ethHash: Uint8Array): Uint8Array | undefined {
    return this.blocks.get(toHex(ethHash));
  }

  /** Where a transaction landed on the canonical chain. */
  transaction(ethTxHash: Uint8Array): TxLocation | undefined {
    const loc = this.txs.get(toHex(ethTxHash));
    if (!loc) return undefined;
    const header = this.chain.header(loc.substrateHash);
    const canonical = header && this.chain.hashAt(header.number);
    if (!canonical || !bytesEqual(canonical, loc.substrateHash)) return undefined;
    return loc;
  }
}
