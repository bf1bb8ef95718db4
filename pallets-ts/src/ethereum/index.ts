import { keccak256 } from "@darwin/crypto";
import {
  bytes as bytesCodec,
  type Codec,
  concatBytes,
  encode,
  enumeration,
  fixedBytes,
  option,
  str,
  struct,
  tuple,
  u8,
  u32,
  u64,
  u256,
  vec,
} from "@darwin/scale";
import { RLP } from "@ethereumjs/rlp";
import { createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { bigIntToUnpaddedBytes, KECCAK256_RLP, KECCAK256_RLP_ARRAY } from "@ethereumjs/util";
import { encodeReceipt } from "@ethereumjs/vm";
import {
  type EthLog,
  EthLogCodec,
  type EvmRunner,
  EvmValidationError,
  type ExecutionInfo,
  maxFeePerGas,
  tipPerGas,
} from "../evm/index.ts";
import { AccountCodes } from "../evm/storage.ts";
import type { Externalities } from "../support/externalities.ts";
import {
  type Ctx,
  call,
  DispatchError,
  definePallet,
  type PostDispatchInfo,
  type RuntimeCall,
  type TransactionValidityError,
} from "../support/pallet.ts";
import { storageMap, storageValue } from "../support/storage.ts";
import { ThreadMemo } from "../support/thread-memo.ts";
import { H160, H256, minBig, weight } from "../support/types.ts";
import { signingHashFromRaw, typedChainIdIsCanonical } from "./signing.ts";
import { orderedTrieRoot } from "./trie.ts";

export { orderedTrieRoot };

import { blockNumber, Account as SystemAccount } from "../system/index.ts";
import { Now } from "../timestamp/index.ts";

export const ETHEREUM = "Ethereum";

// ---------------------------------------------------------------- types (Frontier's, SCALE)

const Bloom = fixedBytes(256, ["ethbloom", "Bloom"]);

export interface TransactionStatus {
  readonly transactionHash: Uint8Array;
  readonly transactionIndex: number;
  readonly from: Uint8Array;
  readonly to: Uint8Array | undefined;
  readonly contractAddress: Uint8Array | undefined;
  readonly logs: EthLog[];
  readonly logsBloom: Uint8Array;
}
export const TransactionStatusCodec: Codec<TransactionStatus> = struct<TransactionStatus>(
  {
    transactionHash: H256,
    transactionIndex: u32,
    from: H160,
    to: option(H160),
    contractAddress: option(H160),
    logs: vec(EthLogCodec),
    logsBloom: Bloom,
  },
  { path: ["fp_rpc", "TransactionStatus"] },
);

export interface ReceiptData {
  readonly statusCode: number;
  /** Cumulative gas used in the block after this transaction (as Ethereum receipts carry it). */
  readonly usedGas: bigint;
  readonly logsBloom: Uint8Array;
  readonly logs: EthLog[];
}
const ReceiptDataCodec: Codec<ReceiptData> = struct<ReceiptData>(
  { statusCode: u8, usedGas: u256, logsBloom: Bloom, logs: vec(EthLogCodec) },
  { path: ["ethereum", "receipt", "EIP658ReceiptData"] },
);
export type Receipt = {
  readonly type: "Legacy" | "EIP2930" | "EIP1559" | "EIP7702";
  readonly value: ReceiptData;
};
export const ReceiptCodec: Codec<Receipt> = enumeration<Receipt>(
  {
    Legacy: { index: 0, value: ReceiptDataCodec },
    EIP2930: { index: 1, value: ReceiptDataCodec },
    EIP1559: { index: 2, value: ReceiptDataCodec },
    EIP7702: { index: 3, value: ReceiptDataCodec },
  },
  { path: ["ethereum", "receipt", "ReceiptV4"] },
);
const RECEIPT_TYPES = ["Legacy", "EIP2930", "EIP1559", "Blob", "EIP7702"] as const;

export interface EthHeader {
  readonly parentHash: Uint8Array;
  readonly ommersHash: Uint8Array;
  readonly beneficiary: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly transactionsRoot: Uint8Array;
  readonly receiptsRoot: Uint8Array;
  readonly logsBloom: Uint8Array;
  readonly difficulty: bigint;
  readonly number: bigint;
  readonly gasLimit: bigint;
  readonly gasUsed: bigint;
  readonly timestamp: bigint;
  readonly extraData: Uint8Array;
  readonly mixHash: Uint8Array;
  readonly nonce: Uint8Array;
  readonly baseFeePerGas: bigint;
}
export const EthHeaderCodec: Codec<EthHeader> = struct<EthHeader>(
  {
    parentHash: H256,
    ommersHash: H256,
    beneficiary: H160,
    stateRoot: H256,
    transactionsRoot: H256,
    receiptsRoot: H256,
    logsBloom: Bloom,
    difficulty: u256,
    number: u256,
    gasLimit: u256,
    gasUsed: u256,
    timestamp: u64,
    extraData: bytesCodec,
    mixHash: H256,
    nonce: fixedBytes(8, ["ethereum_types", "H64"]),
    baseFeePerGas: u256,
  },
  { path: ["ethereum", "header", "Header"] },
);
export interface EthBlock {
  readonly header: EthHeader;
  /** Each transaction as its signed EIP-2718 bytes (what `eth_sendRawTransaction` received). */
  readonly transactions: Uint8Array[];
  readonly ommers: EthHeader[];
}
export const EthBlockCodec: Codec<EthBlock> = struct<EthBlock>(
  { header: EthHeaderCodec, transactions: vec(bytesCodec), ommers: vec(EthHeaderCodec) },
  { path: ["ethereum", "block", "Block"] },
);

/** The Ethereum block hash: keccak256 of the RLP header (London layout, with the base fee). */
export function ethHeaderHash(h: EthHeader): Uint8Array {
  const n = bigIntToUnpaddedBytes;
  return keccak256(
    RLP.encode([
      h.parentHash,
      h.ommersHash,
      h.beneficiary,
      h.stateRoot,
      h.transactionsRoot,
      h.receiptsRoot,
      h.logsBloom,
      n(h.difficulty),
      n(h.number),
      n(h.gasLimit),
      n(h.gasUsed),
      n(h.timestamp),
      h.extraData,
      h.mixHash,
      h.nonce,
      n(h.baseFeePerGas),
    ]),
  );
}

type ExitReason = { type: string; value?: { type: string; value?: unknown } };
const ExitErrorCodec = enumeration(
  {
    StackUnderflow: { index: 0 },
    StackOverflow: { index: 1 },
    InvalidJump: { index: 2 },
    InvalidRange: { index: 3 },
    DesignatedInvalid: { index: 4 },
    CallTooDeep: { index: 5 },
    CreateCollision: { index: 6 },
    CreateContractLimit: { index: 7 },
    OutOfOffset: { index: 8 },
    OutOfGas: { index: 9 },
    OutOfFund: { index: 10 },
    PCUnderflow: { index: 11 },
    CreateEmpty: { index: 12 },
    Other: { index: 13, value: str },
    MaxNonce: { index: 14 },
    InvalidCode: { index: 15, value: u8 },
  },
  { path: ["evm_core", "error", "ExitError"] },
);
export const ExitReasonCodec: Codec<ExitReason> = enumeration<ExitReason>(
  {
    Succeed: {
      index: 0,
      value: enumeration(
        { Stopped: { index: 0 }, Returned: { index: 1 }, Suicided: { index: 2 } },
        { path: ["evm_core", "error", "ExitSucceed"] },
      ),
    },
    Error: { index: 1, value: ExitErrorCodec },
    Revert: {
      index: 2,
      value: enumeration({ Reverted: { index: 0 } }, { path: ["evm_core", "error", "ExitRevert"] }),
    },
    Fatal: {
      index: 3,
      value: enumeration(
        { NotSupported: { index: 0 }, UnhandledInterrupt: { index: 1 }, Other: { index: 3, value: str } },
        { path: ["evm_core", "error", "ExitFatal"] },
      ),
    },
  },
  { path: ["evm_core", "error", "ExitReason"] },
);

function exitReasonOf(info: ExecutionInfo): ExitReason {
  if (info.success)
    return { type: "Succeed", value: { type: info.returnData.length > 0 ? "Returned" : "Stopped" } };
  if (info.reverted) return { type: "Revert", value: { type: "Reverted" } };
  const m = /^Error\((.*)\)$/.exec(info.exitReason)?.[1] ?? info.exitReason;
  if (m === "out of gas") return { type: "Error", value: { type: "OutOfGas" } };
  if (m === "stack underflow") return { type: "Error", value: { type: "StackUnderflow" } };
  if (m === "stack overflow") return { type: "Error", value: { type: "StackOverflow" } };
  if (m === "invalid JUMP") return { type: "Error", value: { type: "InvalidJump" } };
  if (m === "invalid opcode") return { type: "Error", value: { type: "DesignatedInvalid" } };
  if (m === "create collision") return { type: "Error", value: { type: "CreateCollision" } };
  return { type: "Error", value: { type: "Other", value: m } };
}

// ---------------------------------------------------------------- storage

type PendingEntry = [Uint8Array, TransactionStatus, Receipt];
const PendingEntryCodec = tuple(bytesCodec, TransactionStatusCodec, ReceiptCodec) as Codec<PendingEntry>;
export const Pending = storageValue({
  name: "Pending",
  value: vec(PendingEntryCodec),
  default: [] as PendingEntry[],
  docs: ["Ethereum transactions applied in the current block, with their statuses and receipts."],
});
/** How many transactions `Pending` holds and the gas they used: read per transaction without
 * decoding the whole `Pending` vector. */
export const PendingSummary = storageValue({
  name: "PendingSummary",
  value: tuple(u32, u256) as Codec<[number, bigint]>,
  default: [0, 0n] as [number, bigint],
});
export const CurrentBlock = storageValue({ name: "CurrentBlock", value: EthBlockCodec });
export const CurrentReceipts = storageValue({ name: "CurrentReceipts", value: vec(ReceiptCodec) });
export const CurrentTransactionStatuses = storageValue({
  name: "CurrentTransactionStatuses",
  value: vec(TransactionStatusCodec),
});
export const BlockHash = storageMap({
  name: "BlockHash",
  hasher: "Twox64Concat",
  key: u256,
  value: H256,
  default: new Uint8Array(32),
  docs: ["The Ethereum block hash of each block number."],
});

// ---------------------------------------------------------------- validation

export type EthereumTransactionErrorCode =
  | "MalformedTransaction"
  | "BlobTransactionUnsupported"
  | "UnprotectedTransaction"
  | "WrongChainId"
  | "InvalidSignature"
  | "NonceTooLow"
  | "NonceTooHigh"
  | "InsufficientFunds"
  | "FeeTooLow"
  | "IntrinsicGasTooLow"
  | "GasLimitTooHigh"
  | "SenderNotEOA"
  | "BlockGasExhausted"
  | "InitCodeTooLarge"
  | "EvmRejected";

const VALIDITY: Record<EthereumTransactionErrorCode, TransactionValidityError> = {
  MalformedTransaction: { type: "Invalid", value: { type: "Call" } },
  BlobTransactionUnsupported: { type: "Invalid", value: { type: "Custom", value: 4 } },
  UnprotectedTransaction: { type: "Invalid", value: { type: "Custom", value: 0 } },
  WrongChainId: { type: "Invalid", value: { type: "Custom", value: 0 } },
  InvalidSignature: { type: "Invalid", value: { type: "BadProof" } },
  NonceTooLow: { type: "Invalid", value: { type: "Stale" } },
  NonceTooHigh: { type: "Invalid", value: { type: "Future" } },
  InsufficientFunds: { type: "Invalid", value: { type: "Payment" } },
  FeeTooLow: { type: "Invalid", value: { type: "Custom", value: 3 } },
  IntrinsicGasTooLow: { type: "Invalid", value: { type: "Custom", value: 1 } },
  GasLimitTooHigh: { type: "Invalid", value: { type: "ExhaustsResources" } },
  SenderNotEOA: { type: "Invalid", value: { type: "BadSigner" } },
  BlockGasExhausted: { type: "Invalid", value: { type: "ExhaustsResources" } },
  EvmRejected: { type: "Invalid", value: { type: "Custom", value: 5 } },
  InitCodeTooLarge: { type: "Invalid", value: { type: "Custom", value: 6 } },
};

/** A raw Ethereum transaction refused before execution; messages follow geth's wording. */
export class EthereumTransactionError extends Error {
  readonly code: EthereumTransactionErrorCode;
  readonly validity: TransactionValidityError;
  constructor(code: EthereumTransactionErrorCode, message: string) {
    super(message);
    this.name = "EthereumTransactionError";
    this.code = code;
    this.validity = VALIDITY[code];
  }
}

export interface ValidEthereumTransaction {
  readonly priority: bigint;
  readonly requires: Uint8Array[];
  readonly provides: Uint8Array[];
  readonly longevity: bigint;
  readonly propagate: boolean;
}

export interface EthereumConfig {
  readonly runner: EvmRunner;
  /** The block author, recorded as the Ethereum block's beneficiary. */
  readonly author?: (ctx: Ctx) => Uint8Array | undefined;
}

/** The `(sender, nonce)` tag, in the same form as Substrate transactions' so both kinds chain. */
export function nonceTag(sender: Uint8Array, nonce: number): Uint8Array {
  return concatBytes(sender, encode(u32, nonce));
}

export interface Decoded {
  readonly tx: TypedTransaction;
  readonly sender: Uint8Array;
  /** The transaction hash: keccak256 of its signed EIP-2718 bytes, as received. */
  readonly hash: Uint8Array;
}

/**
 * Signers the node's RPC thread recovered (64-byte public keys, keyed by the raw transaction), for
 * the authorship worker, which applies the same transactions moments later: with the key in the
 * transaction's cache, ethereumjs neither re-serialises the signed message nor runs ecrecover. The
 * worker only ever builds from the node's own pool, whose entries this thread validated.
 */
export const senderMemo = new ThreadMemo<Uint8Array>();

// Raw transactions beyond this size (contract deployments) are not memoised: recovery is a small
// part of their cost and their keys would be large strings.
const MEMO_MAX_TX_BYTES = 4096;

/** A 256-bit unsigned integer as 32 big-endian bytes. */
function word32(value: bigint): Uint8Array {
  return Buffer.from(value.toString(16).padStart(64, "0"), "hex");
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

export function createEthereumPallet(config: EthereumConfig) {
  const { runner } = config;
  const blockGasLimit = runner.config.blockGasLimit;
  // A transaction is decoded (and its sender recovered) when the pool validates it, when the block
  // builder applies it and when importers re-execute it: keyed by content, each happens once.
  const decodedCache = new Map<string, Decoded>();

  const ecrecover = runner.common.customCrypto.ecrecover;

  /**
   * Recovers the signer with the digest read off the raw bytes (signing.ts) and leaves the key in
   * the transaction's cache, where getSenderPublicKey finds it; ethereumjs would re-encode every
   * field to rebuild the same digest. Failures are left for getSenderPublicKey to report.
   */
  function recoverFromRaw(tx: TypedTransaction, raw: Uint8Array): void {
    if (!ecrecover) return;
    const digest = signingHashFromRaw(raw, runner.chainId);
    const { v, r, s } = tx as { v?: bigint; r?: bigint; s?: bigint };
    if (!digest || v === undefined || r === undefined || s === undefined) return;
    try {
      const key = ecrecover(digest, v, word32(r), word32(s), tx.type === 0 ? runner.chainId : undefined);
      (tx.cache as { senderPubKey?: Uint8Array }).senderPubKey = key;
    } catch {
      // getSenderPublicKey repeats the recovery and throws ethereumjs's error.
    }
  }

  /**
   * Decodes and recovers the signer. `noteSigner: false` for transactions the authorship worker will
   * not apply next (formatting blocks, receipts and traces for RPC), whose signers it would only
   * carry and drop (see senderMemo).
   */
  function decode(raw: Uint8Array, opts?: { readonly noteSigner?: boolean }): Decoded {
    const key = latin1(raw);
    const hit = decodedCache.get(key);
    if (hit) return hit;
    if (raw.length === 0) throw new EthereumTransactionError("MalformedTransaction", "empty transaction");
    if (raw[0] === 3)
      throw new EthereumTransactionError(
        "BlobTransactionUnsupported",
        "transaction type not supported: blob transactions",
      );
    let tx: TypedTransaction;
    try {
      tx = createTxFromRLP(raw, { common: runner.common });
    } catch (e) {
      const m = (e as Error).message;
      if (/initcode size/i.test(m))
        throw new EthereumTransactionError("InitCodeTooLarge", `max initcode size exceeded: ${m}`);
      if (/chain ?id/i.test(m)) throw new EthereumTransactionError("WrongChainId", `invalid chain id: ${m}`);
      if (/signature|invalid s|v value/i.test(m))
        throw new EthereumTransactionError("InvalidSignature", `invalid sender: ${m}`);
      throw new EthereumTransactionError("MalformedTransaction", `rlp: ${m}`);
    }
    if (tx.type === 3)
      throw new EthereumTransactionError(
        "BlobTransactionUnsupported",
        "transaction type not supported: blob transactions",
      );
    const v = (tx as { v?: bigint }).v;
    if (tx.type === 0 && (v === 27n || v === 28n)) {
      throw new EthereumTransactionError(
        "UnprotectedTransaction",
        "only replay-protected (EIP-155) transactions allowed",
      );
    }
    if (tx.common.chainId() !== runner.chainId)
      throw new EthereumTransactionError(
        "WrongChainId",
        `invalid chain id: have ${tx.common.chainId()}, want ${runner.chainId}`,
      );
    if (!typedChainIdIsCanonical(raw, runner.chainId))
      throw new EthereumTransactionError("MalformedTransaction", "rlp: non-canonical chain id");
    const memoKey = raw.length <= MEMO_MAX_TX_BYTES && senderMemo.active ? key : undefined;
    const known = memoKey === undefined ? undefined : senderMemo.use(memoKey);
    // Frozen transactions (createTxFromRLP's default) cache the public key for runTx's own lookup.
    if (known !== undefined) (tx.cache as { senderPubKey?: Uint8Array }).senderPubKey = known;
    if (known === undefined) recoverFromRaw(tx, raw);
    let sender: Uint8Array;
    try {
      const publicKey = tx.getSenderPublicKey();
      if (memoKey !== undefined && known === undefined && opts?.noteSigner !== false)
        senderMemo.note(memoKey, publicKey);
      sender = keccak256(publicKey).slice(12);
    } catch (e) {
      throw new EthereumTransactionError("InvalidSignature", `invalid sender: ${(e as Error).message}`);
    }
    // The raw bytes are the canonical encoding (the decoder refuses anything else), so hashing them
    // spares ethereumjs's re-serialisation.
    const d = { tx, sender, hash: keccak256(raw) };
    if (decodedCache.size >= 8192) decodedCache.clear();
    decodedCache.set(key, d);
    return d;
  }

  /** Checks nonce, fee, gas and funds against current state; `exact` demands the next nonce. */
  function checkState(ext: Externalities, d: Decoded, exact: boolean): { accountNonce: number } {
    const { tx, sender } = d;
    if (tx.gasLimit > blockGasLimit)
      throw new EthereumTransactionError(
        "GasLimitTooHigh",
        `exceeds block gas limit (${tx.gasLimit} > ${blockGasLimit})`,
      );
    const intrinsic = tx.getIntrinsicGas();
    if (tx.gasLimit < intrinsic)
      throw new EthereumTransactionError(
        "IntrinsicGasTooLow",
        `intrinsic gas too low: have ${tx.gasLimit}, want ${intrinsic}`,
      );
    const baseFee = runner.baseFee(ext);
    const maxFee = maxFeePerGas(tx);
    if (maxFee < baseFee)
      throw new EthereumTransactionError(
        "FeeTooLow",
        `max fee per gas less than block base fee: maxFeePerGas: ${maxFee}, baseFee: ${baseFee}`,
      );
    const account = SystemAccount.get(ext, sender);
    if (tx.nonce > 0xffff_ffffn) throw new EthereumTransactionError("NonceTooHigh", "nonce has max value");
    const nonce = Number(tx.nonce);
    if (nonce < account.nonce)
      throw new EthereumTransactionError(
        "NonceTooLow",
        `nonce too low: next nonce ${account.nonce}, tx nonce ${nonce}`,
      );
    if (exact && nonce > account.nonce)
      throw new EthereumTransactionError(
        "NonceTooHigh",
        `nonce too high: next nonce ${account.nonce}, tx nonce ${nonce}`,
      );
    const cost = tx.gasLimit * maxFee + tx.value;
    if (account.data.free < cost)
      throw new EthereumTransactionError(
        "InsufficientFunds",
        `insufficient funds for gas * price + value: balance ${account.data.free}, tx cost ${cost}`,
      );
    const code = AccountCodes.get(ext, sender);
    // EIP-3607, allowing EIP-7702 delegated accounts (code 0xef0100 ++ address).
    if (code.length > 0 && !(code.length === 23 && code[0] === 0xef && code[1] === 0x01 && code[2] === 0x00))
      throw new EthereumTransactionError("SenderNotEOA", "sender not an eoa");
    return { accountNonce: account.nonce };
  }

  function transactionOf(call: RuntimeCall): Uint8Array | undefined {
    if (call.type !== ETHEREUM || call.value.type !== "transact") return undefined;
    return (call.value.value as { transaction: Uint8Array }).transaction;
  }

  async function apply(ctx: Ctx, raw: Uint8Array, sender: Uint8Array): Promise<PostDispatchInfo> {
    const d = decode(raw);
    if (d.sender.length !== sender.length || d.sender.some((b, i) => b !== sender[i]))
      throw new EthereumTransactionError(
        "InvalidSignature",
        "invalid sender: does not match the recovered signer",
      );
    checkState(ctx.ext, d, true);
    const [count, before] = PendingSummary.get(ctx.ext);
    if (before + d.tx.gasLimit > blockGasLimit)
      throw new EthereumTransactionError(
        "BlockGasExhausted",
        "gas limit reached: the block has no room for this transaction",
      );
    let info: ExecutionInfo;
    try {
      info = await runner.transact(ctx, d.tx, sender);
    } catch (e) {
      // checkState ran the same checks first; this is what ethereumjs still refused.
      if (e instanceof EvmValidationError) {
        const code = /nonce/i.test(e.message)
          ? "NonceTooLow"
          : /funds|balance/i.test(e.message)
            ? "InsufficientFunds"
            : /baseFee|fee per gas/i.test(e.message)
              ? "FeeTooLow"
              : "EvmRejected";
        throw new EthereumTransactionError(code, e.message);
      }
      throw e;
    }
    const hash = d.hash;
    const to = d.tx.to?.bytes;
    const status: TransactionStatus = {
      transactionHash: hash,
      transactionIndex: count,
      from: sender,
      to,
      contractAddress: info.createdAddress,
      logs: info.logs,
      logsBloom: info.bloom,
    };
    const receipt: Receipt = {
      type: RECEIPT_TYPES[d.tx.type] === "Blob" ? "EIP1559" : (RECEIPT_TYPES[d.tx.type] as Receipt["type"]),
      value: {
        statusCode: info.success ? 1 : 0,
        usedGas: before + info.gasUsed,
        logsBloom: info.bloom,
        logs: info.logs,
      },
    };
    ctx.ext.append(Pending.key, encode(PendingEntryCodec, [raw, status, receipt]));
    PendingSummary.set(ctx.ext, [count + 1, before + info.gasUsed]);
    ctx.deposit(ETHEREUM, "Executed", {
      from: sender,
      to: to ?? info.createdAddress ?? new Uint8Array(20),
      transaction_hash: hash,
      exit_reason: exitReasonOf(info),
      extra_data: info.reverted ? info.returnData : new Uint8Array(0),
    });
    return { actualWeight: weight(info.gasUsed * runner.config.weightPerGas), paysFee: { type: "No" } };
  }

  const orderedRoot = (items: readonly Uint8Array[]) => orderedTrieRoot(items);

  function storeBlock(
    ctx: Ctx,
    number: number,
    pending: readonly PendingEntry[],
    roots: { transactions: Uint8Array; receipts: Uint8Array },
  ): void {
    const bloom = new Uint8Array(256);
    for (const [, , r] of pending) for (let i = 0; i < 256; i++) bloom[i]! |= r.value.logsBloom[i]!;
    const last = pending[pending.length - 1];
    const header: EthHeader = {
      parentHash: number === 0 ? new Uint8Array(32) : BlockHash.get(ctx.ext, BigInt(number - 1)),
      ommersHash: KECCAK256_RLP_ARRAY,
      beneficiary: config.author?.(ctx) ?? new Uint8Array(20),
      // Frontier keeps no Ethereum state trie: the Substrate state root commits to EVM state.
      stateRoot: new Uint8Array(32),
      transactionsRoot: roots.transactions,
      receiptsRoot: roots.receipts,
      logsBloom: bloom,
      difficulty: 0n,
      number: BigInt(number),
      gasLimit: blockGasLimit,
      gasUsed: last ? last[2].value.usedGas : 0n,
      timestamp: Now.get(ctx.ext) / 1000n,
      extraData: new Uint8Array(0),
      mixHash: new Uint8Array(32),
      nonce: new Uint8Array(8),
      baseFeePerGas: runner.baseFee(ctx.ext),
    };
    CurrentBlock.set(ctx.ext, { header, transactions: pending.map((p) => p[0]), ommers: [] });
    CurrentReceipts.set(
      ctx.ext,
      pending.map((p) => p[2]),
    );
    CurrentTransactionStatuses.set(
      ctx.ext,
      pending.map((p) => p[1]),
    );
    BlockHash.insert(ctx.ext, BigInt(number), ethHeaderHash(header));
  }

  const pallet = definePallet<Record<string, never>>({
    name: ETHEREUM,
    modulePath: ["pallet_ethereum", "pallet"],
    storage: [Pending, PendingSummary, CurrentBlock, CurrentReceipts, CurrentTransactionStatuses, BlockHash],
    calls: {
      transact: call<{ transaction: Uint8Array }>({
        index: 0,
        args: { transaction: bytesCodec },
        typeNames: { transaction: "Vec<u8>" },
        weight: ({ transaction }) => {
          try {
            return weight(decode(transaction).tx.gasLimit * runner.config.weightPerGas);
          } catch {
            return weight(0n);
          }
        },
        docs: [
          "Transact an Ethereum transaction (its signed EIP-2718 bytes). Enters only as a self-contained",
          "extrinsic: its origin is the signer recovered from the transaction itself.",
        ],
        dispatch: () => {
          throw DispatchError.badOrigin();
        },
      }),
    },
    events: {
      Executed: {
        index: 0,
        fields: {
          from: H160,
          to: H160,
          transaction_hash: H256,
          exit_reason: ExitReasonCodec,
          extra_data: bytesCodec,
        },
        typeNames: {
          from: "H160",
          to: "H160",
          transaction_hash: "H256",
          exit_reason: "ExitReason",
          extra_data: "Vec<u8>",
        },
        docs: ["An ethereum transaction was successfully executed."],
      },
    },
    errors: {
      InvalidSignature: { index: 0, docs: ["Signature is invalid."] },
      PreLogExists: { index: 1, docs: ["Pre-log is present, therefore transact is not allowed."] },
    },
    hooks: {
      onInitialize(ctx) {
        Pending.kill(ctx.ext);
        PendingSummary.kill(ctx.ext);
        return weight(0n);
      },
      async onFinalize(ctx, n) {
        const pending = Pending.get(ctx.ext);
        const transactions = orderedRoot(pending.map((p) => p[0]));
        const receipts = orderedRoot(
          pending.map(([raw, , r]) =>
            encodeReceipt(
              {
                status: r.value.statusCode === 1 ? 1 : 0,
                cumulativeBlockGasUsed: r.value.usedGas,
                bitvector: r.value.logsBloom,
                logs: r.value.logs.map((l) => [l.address, l.topics, l.data]),
              },
              (raw[0]! < 0x7f ? raw[0]! : 0) as 0,
            ),
          ),
        );
        storeBlock(ctx, n, pending, { transactions, receipts });
        Pending.kill(ctx.ext);
        PendingSummary.kill(ctx.ext);
      },
    },
    genesis: {
      default: {},
      build(ctx) {
        storeBlock(ctx, 0, [], { transactions: KECCAK256_RLP, receipts: KECCAK256_RLP });
      },
    },
  });

  return {
    pallet,
    isSelfContained: (call: RuntimeCall): boolean => transactionOf(call) !== undefined,
    /** Recovers the signer of a self-contained call (the executive's signature check). */
    checkSelfContained(call: RuntimeCall): Uint8Array {
      const raw = transactionOf(call);
      if (!raw) throw new EthereumTransactionError("MalformedTransaction", "not an ethereum.transact call");
      return decode(raw).sender;
    },
    /** Pool validation: signature, chain id, fee and funds on `ext`; tags chain nonces per sender. */
    validateSelfContained(
      ext: Externalities,
      call: RuntimeCall,
    ): { sender: Uint8Array; valid: ValidEthereumTransaction } {
      const raw = transactionOf(call);
      if (!raw) throw new EthereumTransactionError("MalformedTransaction", "not an ethereum.transact call");
      const d = decode(raw);
      const { accountNonce } = checkState(ext, d, false);
      const nonce = Number(d.tx.nonce);
      return {
        sender: d.sender,
        valid: {
          priority: minBig(tipPerGas(d.tx, runner.baseFee(ext)), 2n ** 64n - 1n),
          requires: nonce > accountNonce ? [nonceTag(d.sender, nonce - 1)] : [],
          provides: [nonceTag(d.sender, nonce)],
          longevity: 2n ** 53n,
          propagate: true,
        },
      };
    },
    /** Applies a self-contained call whose signer `sender` was recovered by `checkSelfContained`. */
    async applySelfContained(ctx: Ctx, call: RuntimeCall, sender: Uint8Array): Promise<PostDispatchInfo> {
      const raw = transactionOf(call);
      if (!raw) throw new EthereumTransactionError("MalformedTransaction", "not an ethereum.transact call");
      ctx.ext.startTransaction();
      try {
        const post = await apply(ctx, raw, sender);
        ctx.ext.commitTransaction();
        return post;
      } catch (e) {
        ctx.ext.rollbackTransaction();
        throw e;
      }
    },
    decode,
  };
}

/** Reads the Ethereum block of the state `ext` is on (for RPC). */
export function currentBlock(ext: Externalities): EthBlock | undefined {
  return CurrentBlock.get(ext);
}

export function ethBlockNumber(ext: Externalities): number {
  return blockNumber(ext);
}
