import { EventEmitter } from "node:events";
import type { Logger } from "@darwin/observability";
import type { ethereum } from "@darwin/pallets";
import { bytesEqual } from "@darwin/scale";
import type { Chain } from "../chain/chain.ts";
import type { PoolApi } from "../rpc/handlers/deps.ts";
import { RpcError } from "../rpc/server/index.ts";
import type { PooledTx } from "../txpool/index.ts";
import type { EthBlockData, EthIndex } from "./index-store.ts";
import { bytesParam, quantityParam } from "./params.ts";

/** What the node tells the Ethereum RPC about transactions it accepted. */
export interface EthEvents {
  pendingTransaction: [hash: Uint8Array, raw: Uint8Array];
}

/** The transaction pool views the Ethereum RPC reads (txpool_*, pending lookups). */
export interface EthPoolView {
  ready(): Iterable<PooledTx>;
  pending(): PooledTx[];
  has(hash: Uint8Array): boolean;
}

export interface EthDeps {
  readonly chain: Chain;
  readonly pool: PoolApi;
  readonly poolView: EthPoolView;
  readonly index: EthIndex;
  readonly events: EventEmitter<EthEvents>;
  readonly logger: Logger;
  readonly clientVersion: string;
  /** Whether this node authors blocks (eth_mining). */
  readonly mining: boolean;
}

export function createEthEvents(): EventEmitter<EthEvents> {
  const events = new EventEmitter<EthEvents>();
  // One listener per pending-transaction subscription: any number of clients may subscribe.
  events.setMaxListeners(0);
  return events;
}

/** -32000, the family Ethereum clients match error messages in. */
export function serverError(message: string, data?: unknown): RpcError {
  return new RpcError(-32000, message, data);
}

export interface ResolvedBlock {
  readonly hash: Uint8Array;
  readonly number: number;
}

/**
 * A block parameter: a tag (latest, pending, safe, finalized, earliest), a number, a 32-byte block
 * hash (Ethereum's, or Substrate's), or an EIP-1898 object. Undefined when no such block exists.
 */
export function resolveBlock(chain: Chain, index: EthIndex, param: unknown): ResolvedBlock | undefined {
  if (param === undefined || param === null || param === "latest" || param === "pending") {
    return chain.best();
  }
  if (param === "safe" || param === "finalized") return chain.finalized();
  if (param === "earliest") return { hash: chain.genesisHash, number: 0 };
  if (typeof param === "object") {
    const o = param as { blockHash?: unknown; blockNumber?: unknown; requireCanonical?: unknown };
    if (o.blockHash !== undefined) {
      const b = byHash(chain, index, bytesParam(o.blockHash, "blockHash", 32));
      if (b && o.requireCanonical === true) {
        const canonical = chain.hashAt(b.number);
        if (!canonical || !bytesEqual(canonical, b.hash)) return undefined;
      }
      return b;
    }
    if (o.blockNumber !== undefined) return resolveBlock(chain, index, o.blockNumber);
    throw RpcError.invalidParams("invalid argument: block object needs blockHash or blockNumber");
  }
  if (typeof param === "string" && param.length === 66) {
    return byHash(chain, index, bytesParam(param, "block hash", 32));
  }
  const n = quantityParam(param, "block number");
  if (n > BigInt(chain.best().number)) return undefined;
  const hash = chain.hashAt(Number(n));
  return hash ? { hash, number: Number(n) } : undefined;
}

function byHash(chain: Chain, index: EthIndex, hash: Uint8Array): ResolvedBlock | undefined {
  const substrate = index.substrateHashOf(hash) ?? hash;
  const header = chain.header(substrate);
  return header ? { hash: substrate, number: header.number } : undefined;
}

/** Like `resolveBlock`, but a missing block is geth's "header not found" error. */
export function requireBlock(chain: Chain, index: EthIndex, param: unknown): ResolvedBlock {
  const b = resolveBlock(chain, index, param);
  if (!b) throw serverError("header not found");
  return b;
}

export function stateOf(chain: Chain, block: ResolvedBlock) {
  try {
    return chain.stateAt(block.hash);
  } catch (err) {
    throw serverError(
      `missing trie node: state of block ${block.number} is not available (${(err as Error).message})`,
    );
  }
}

export function loadBlock(index: EthIndex, block: ResolvedBlock | undefined): EthBlockData | undefined {
  return block ? index.load(block.hash) : undefined;
}

/** The Ethereum transaction inside a pool extrinsic, if it is an `ethereum.transact`. */
export function ethTransactionOf(
  callCodecDecode: (xt: Uint8Array) => { type: string; value: unknown } | undefined,
  xt: Uint8Array,
): Uint8Array | undefined {
  const call = callCodecDecode(xt);
  if (call?.type !== "Ethereum") return undefined;
  const inner = call.value as { type: string; value: { transaction: Uint8Array } };
  return inner.type === "transact" ? inner.value.transaction : undefined;
}

export type EthDecode = (raw: Uint8Array) => ethereum.Decoded;
