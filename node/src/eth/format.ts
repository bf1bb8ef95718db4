import type { ethereum } from "@darwin/pallets";
import { toHex } from "@darwin/scale";
import type { EthBlockData } from "./index-store.ts";

/** An Ethereum JSON-RPC quantity: minimal hex, "0x0" for zero. */
export function qty(n: bigint | number): string {
  return `0x${n.toString(16)}`;
}

export const ZERO_ADDRESS = new Uint8Array(20);
export const ZERO_HASH = new Uint8Array(32);

type Decode = (raw: Uint8Array) => ethereum.Decoded;

export interface TxJsonContext {
  readonly block: EthBlockData | undefined;
  readonly index: number | undefined;
}

function tip(tx: ethereum.Decoded["tx"], baseFee: bigint): bigint {
  const t = tx as { maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; gasPrice?: bigint };
  const max = t.maxFeePerGas ?? t.gasPrice ?? 0n;
  const room = max > baseFee ? max - baseFee : 0n;
  if (t.maxPriorityFeePerGas !== undefined)
    return t.maxPriorityFeePerGas < room ? t.maxPriorityFeePerGas : room;
  return room;
}

/** The price per gas a transaction pays in a block with `baseFee` (EIP-1559's effective gas price). */
export function effectiveGasPrice(tx: ethereum.Decoded["tx"], baseFee: bigint): bigint {
  const t = tx as { gasPrice?: bigint };
  if (tx.type === 0 || tx.type === 1) return t.gasPrice ?? 0n;
  return baseFee + tip(tx, baseFee);
}

/** The tip per gas the block author receives. */
export function effectiveTip(tx: ethereum.Decoded["tx"], baseFee: bigint): bigint {
  return tip(tx, baseFee);
}

/** `eth_getTransactionBy*`: a transaction with its position (null fields while pending). */
export function txJson(raw: Uint8Array, decode: Decode, at: TxJsonContext): Record<string, unknown> {
  const { tx, sender, hash } = decode(raw);
  const t = tx as unknown as {
    gasPrice?: bigint;
    maxFeePerGas?: bigint;
    maxPriorityFeePerGas?: bigint;
    accessList?: [Uint8Array, Uint8Array[]][];
    authorizationList?: unknown[];
    chainId?: bigint;
    v?: bigint;
    r?: bigint;
    s?: bigint;
  };
  const baseFee = at.block?.block.header.baseFeePerGas;
  const out: Record<string, unknown> = {
    blockHash: at.block ? toHex(at.block.hash) : null,
    blockNumber: at.block ? qty(at.block.number) : null,
    transactionIndex: at.index !== undefined && at.block ? qty(at.index) : null,
    hash: toHex(hash),
    from: toHex(sender),
    to: tx.to ? toHex(tx.to.bytes) : null,
    nonce: qty(tx.nonce),
    value: qty(tx.value),
    gas: qty(tx.gasLimit),
    input: toHex(tx.data),
    type: qty(tx.type),
    gasPrice: qty(
      baseFee !== undefined ? effectiveGasPrice(tx, baseFee) : (t.gasPrice ?? t.maxFeePerGas ?? 0n),
    ),
    v: qty(t.v ?? 0n),
    r: qty(t.r ?? 0n),
    s: qty(t.s ?? 0n),
  };
  if (tx.type !== 0 || t.chainId !== undefined) out.chainId = qty(tx.common.chainId());
  if (tx.type !== 0) {
    out.yParity = qty(t.v ?? 0n);
    out.accessList = (t.accessList ?? []).map(([address, keys]) => ({
      address: toHex(address),
      storageKeys: keys.map((k) => toHex(k)),
    }));
  }
  if (t.maxFeePerGas !== undefined) {
    out.maxFeePerGas = qty(t.maxFeePerGas);
    out.maxPriorityFeePerGas = qty(t.maxPriorityFeePerGas ?? 0n);
  }
  if (tx.type === 4) {
    const list = (tx.toJSON() as { authorizationList?: unknown[] }).authorizationList ?? [];
    out.authorizationList = list;
  }
  return out;
}

/** Index of the block's first log of transaction `i` (log indices run over the whole block). */
export function firstLogIndex(block: EthBlockData, i: number): number {
  let n = 0;
  for (let k = 0; k < i; k++) n += block.statuses[k]?.logs.length ?? 0;
  return n;
}

export function logJson(
  block: EthBlockData,
  txIndex: number,
  logIndex: number,
  log: { address: Uint8Array; topics: Uint8Array[]; data: Uint8Array },
): Record<string, unknown> {
  return {
    address: toHex(log.address),
    topics: log.topics.map((t) => toHex(t)),
    data: toHex(log.data),
    blockHash: toHex(block.hash),
    blockNumber: qty(block.number),
    blockTimestamp: qty(block.block.header.timestamp),
    transactionHash: toHex(block.statuses[txIndex]!.transactionHash),
    transactionIndex: qty(txIndex),
    logIndex: qty(logIndex),
    removed: false,
  };
}

/** `eth_getTransactionReceipt` of transaction `i` of `block`. */
export function receiptJson(block: EthBlockData, i: number, decode: Decode): Record<string, unknown> {
  const status = block.statuses[i]!;
  const receipt = block.receipts[i]!;
  const raw = block.block.transactions[i]!;
  const { tx } = decode(raw);
  const prevUsed = i === 0 ? 0n : block.receipts[i - 1]!.value.usedGas;
  const first = firstLogIndex(block, i);
  return {
    transactionHash: toHex(status.transactionHash),
    transactionIndex: qty(i),
    blockHash: toHex(block.hash),
    blockNumber: qty(block.number),
    from: toHex(status.from),
    to: status.to ? toHex(status.to) : null,
    cumulativeGasUsed: qty(receipt.value.usedGas),
    gasUsed: qty(receipt.value.usedGas - prevUsed),
    effectiveGasPrice: qty(effectiveGasPrice(tx, block.block.header.baseFeePerGas)),
    contractAddress: status.contractAddress ? toHex(status.contractAddress) : null,
    logs: status.logs.map((l, k) => logJson(block, i, first + k, l)),
    logsBloom: toHex(receipt.value.logsBloom),
    status: qty(receipt.value.statusCode),
    type: qty(tx.type),
  };
}

/** `eth_getBlockBy*`: the header fields, and transaction hashes or full transactions. */
export function blockJson(block: EthBlockData, full: boolean, decode: Decode): Record<string, unknown> {
  const h = block.block.header;
  const txs = block.block.transactions;
  let size = 0;
  for (const t of txs) size += t.length;
  return {
    number: qty(block.number),
    hash: toHex(block.hash),
    parentHash: toHex(h.parentHash),
    nonce: toHex(h.nonce),
    mixHash: toHex(h.mixHash),
    sha3Uncles: toHex(h.ommersHash),
    logsBloom: toHex(h.logsBloom),
    transactionsRoot: toHex(h.transactionsRoot),
    stateRoot: toHex(h.stateRoot),
    receiptsRoot: toHex(h.receiptsRoot),
    miner: toHex(h.beneficiary),
    difficulty: qty(h.difficulty),
    totalDifficulty: "0x0",
    extraData: toHex(h.extraData),
    // The RLP header is about 540 bytes; the block size is that plus its transactions.
    size: qty(540 + size),
    gasLimit: qty(h.gasLimit),
    gasUsed: qty(h.gasUsed),
    timestamp: qty(h.timestamp),
    baseFeePerGas: qty(h.baseFeePerGas),
    transactions: full
      ? txs.map((raw, i) => txJson(raw, decode, { block, index: i }))
      : block.statuses.map((s) => toHex(s.transactionHash)),
    uncles: [],
  };
}

/** `newHeads`: the header fields only. */
export function headJson(block: EthBlockData, decode: Decode): Record<string, unknown> {
  const {
    transactions: _t,
    uncles: _u,
    totalDifficulty: _d,
    size: _s,
    ...head
  } = blockJson(block, false, decode);
  return head;
}
