import { evm, system } from "@darwin/pallets";
import type { Externalities } from "@darwin/pallets/support";
import { encodeUnsignedExtrinsic, type RuntimeCall } from "@darwin/runtime-spec";
import { encode, toHex } from "@darwin/scale";
import { createEthCallRunner } from "../../eth/call.ts";
import {
  type EthDeps,
  loadBlock,
  requireBlock,
  resolveBlock,
  serverError,
  stateOf,
} from "../../eth/context.ts";
import { ethTxErrorMessage, poolErrorToEth } from "../../eth/errors.ts";
import { blockJson, effectiveTip, qty, receiptJson, txJson } from "../../eth/format.ts";
import { addressParam, bytesParam, hashParam, quantityParam, slotParam } from "../../eth/params.ts";
import { PendingSlots } from "../../eth/pending.ts";
import { RpcError, type RpcMethodTable } from "../server/index.ts";

const MAX_FEE_HISTORY_BLOCKS = 1024;

/** `eth_*` state, block, transaction and fee methods (filters and subscriptions: eth-filter.ts). */
export function ethMethods(d: EthDeps): RpcMethodTable {
  const { chain, index } = d;
  const frontier = chain.runtime.pallets.frontier;
  // Formatting blocks, receipts and fee history decodes transactions the authorship worker will not
  // apply again: their signers are not handed to it. Submissions (below) are.
  const decode = (raw: Uint8Array) => frontier.ethereum.decode(raw, { noteSigner: false });
  const callCodec = chain.runtime.composed.callCodec;
  const runner = createEthCallRunner(d);
  const slots = new PendingSlots();

  // Submissions read the best block's state shared with the pool's validation (read-only here).
  const bestState = () => chain.readState(chain.best().hash);

  const stateAtParam = (param: unknown): Externalities =>
    stateOf(chain, requireBlock(chain, index, param)).ext;
  const baseFeeAtBest = () => frontier.baseFee.baseFee(bestState().ext);

  const findTx = (hash: Uint8Array) => {
    const loc = index.transaction(hash);
    if (!loc) return undefined;
    const block = index.load(loc.substrateHash);
    return block ? { block, i: loc.index } : undefined;
  };

  const txByBlockAndIndex = (blockParam: unknown, idx: unknown) => {
    const block = loadBlock(index, resolveBlock(chain, index, blockParam));
    if (!block) return null;
    const i = Number(quantityParam(idx, "index"));
    const raw = block.block.transactions[i];
    return raw ? txJson(raw, decode, { block, index: i }) : null;
  };

  const blockByParam = (param: unknown, full: unknown) => {
    const block = loadBlock(index, resolveBlock(chain, index, param));
    return block ? blockJson(block, full === true, decode) : null;
  };

  return {
    eth_chainId: { handler: () => qty(frontier.chainId) },
    eth_blockNumber: { handler: () => qty(chain.best().number) },
    eth_syncing: { handler: () => false },
    eth_coinbase: {
      handler: () => {
        const block = index.load(chain.best().hash);
        return toHex(block?.block.header.beneficiary ?? new Uint8Array(20));
      },
    },
    eth_accounts: { handler: () => [] },
    eth_mining: { handler: () => d.mining },
    eth_hashrate: { handler: () => "0x0" },
    eth_protocolVersion: { handler: () => "0x41" },
    eth_getBalance: {
      handler: (params) => {
        const who = addressParam(params[0], "address");
        return qty(system.Account.get(stateAtParam(params[1]), who).data.free);
      },
    },
    eth_getTransactionCount: {
      handler: (params) => {
        const who = addressParam(params[0], "address");
        const onChain = system.Account.get(stateAtParam(params[1]), who).nonce;
        return qty(params[1] === "pending" ? d.pool.nextNonce(who, onChain) : onChain);
      },
    },
    eth_getCode: {
      handler: (params) =>
        toHex(evm.accountCode(stateAtParam(params[1]), addressParam(params[0], "address"))),
    },
    eth_getStorageAt: {
      handler: (params) =>
        toHex(
          evm.accountStorage(
            stateAtParam(params[2]),
            addressParam(params[0], "address"),
            slotParam(params[1], "position"),
          ),
        ),
    },
    eth_gasPrice: {
      // The next block's base fee with headroom for two full blocks of increase, so a legacy
      // transaction priced from it stays includable.
      handler: () => {
        const base = baseFeeAtBest();
        return qty(base + base / 4n);
      },
    },
    eth_maxPriorityFeePerGas: { handler: () => "0x0" },
    eth_feeHistory: {
      handler: (params) => {
        const count = Math.min(Number(quantityParam(params[0], "blockCount")), MAX_FEE_HISTORY_BLOCKS);
        const newest = requireBlock(chain, index, params[1]);
        const percentiles = Array.isArray(params[2]) ? params[2].map(Number) : undefined;
        if (percentiles?.some((p, i) => !(p >= 0 && p <= 100) || (i > 0 && p < percentiles[i - 1]!)))
          throw RpcError.invalidParams("invalid reward percentile");
        const oldest = Math.max(0, newest.number - count + 1);
        const baseFeePerGas: string[] = [];
        const gasUsedRatio: number[] = [];
        const reward: string[][] = [];
        for (let n = oldest; n <= newest.number && count > 0; n++) {
          const hash = chain.hashAt(n);
          const block = hash && index.load(hash);
          if (!block) continue;
          const h = block.block.header;
          baseFeePerGas.push(qty(h.baseFeePerGas));
          gasUsedRatio.push(h.gasLimit === 0n ? 0 : Number(h.gasUsed) / Number(h.gasLimit));
          if (percentiles) {
            const tips = block.block.transactions
              .map((raw, i) => {
                const used =
                  block.receipts[i]!.value.usedGas - (i === 0 ? 0n : block.receipts[i - 1]!.value.usedGas);
                return { tip: effectiveTip(decode(raw).tx, h.baseFeePerGas), used };
              })
              .sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
            const total = tips.reduce((s, t) => s + t.used, 0n);
            reward.push(
              percentiles.map((p) => {
                if (tips.length === 0 || total === 0n) return "0x0";
                const threshold = (Number(total) * p) / 100;
                let acc = 0;
                for (const t of tips) {
                  acc += Number(t.used);
                  if (acc >= threshold) return qty(t.tip);
                }
                return qty(tips[tips.length - 1]!.tip);
              }),
            );
          }
        }
        // The base fee of the block after the newest: stored in the newest block's state.
        const next = newest.number + 1;
        const nextHash = chain.hashAt(next);
        const nextBlock = nextHash && index.load(nextHash);
        baseFeePerGas.push(
          qty(
            nextBlock
              ? nextBlock.block.header.baseFeePerGas
              : frontier.baseFee.baseFee(stateOf(chain, newest).ext),
          ),
        );
        return {
          oldestBlock: qty(oldest),
          baseFeePerGas,
          gasUsedRatio,
          ...(percentiles ? { reward } : {}),
        };
      },
    },
    eth_getBlockByNumber: { handler: (params) => blockByParam(params[0] ?? "latest", params[1]) },
    eth_getBlockByHash: {
      handler: (params) => blockByParam(toHex(hashParam(params[0], "block hash")), params[1]),
    },
    eth_getBlockTransactionCountByNumber: {
      handler: (params) => {
        const block = loadBlock(index, resolveBlock(chain, index, params[0] ?? "latest"));
        return block ? qty(block.block.transactions.length) : null;
      },
    },
    eth_getBlockTransactionCountByHash: {
      handler: (params) => {
        const block = loadBlock(index, resolveBlock(chain, index, toHex(hashParam(params[0], "block hash"))));
        return block ? qty(block.block.transactions.length) : null;
      },
    },
    eth_getUncleCountByBlockNumber: { handler: () => "0x0" },
    eth_getUncleCountByBlockHash: { handler: () => "0x0" },
    eth_getUncleByBlockNumberAndIndex: { handler: () => null },
    eth_getUncleByBlockHashAndIndex: { handler: () => null },
    eth_getTransactionByHash: {
      handler: (params) => {
        const hash = hashParam(params[0], "transaction hash");
        const found = findTx(hash);
        if (found)
          return txJson(found.block.block.transactions[found.i]!, decode, {
            block: found.block,
            index: found.i,
          });
        // Transactions this node accepted and the pool still holds: a lookup, never a pool scan.
        const raw = slots.pendingRaw(toHex(hash), (h) => d.poolView.has(h));
        if (raw) return txJson(raw, decode, { block: undefined, index: undefined });
        return null;
      },
    },
    eth_getTransactionByBlockHashAndIndex: {
      handler: (params) => txByBlockAndIndex(toHex(hashParam(params[0], "block hash")), params[1]),
    },
    eth_getTransactionByBlockNumberAndIndex: {
      handler: (params) => txByBlockAndIndex(params[0], params[1]),
    },
    eth_getTransactionReceipt: {
      handler: (params) => {
        const found = findTx(hashParam(params[0], "transaction hash"));
        return found ? receiptJson(found.block, found.i, decode) : null;
      },
    },
    eth_getBlockReceipts: {
      handler: (params) => {
        const block = loadBlock(index, resolveBlock(chain, index, params[0] ?? "latest"));
        return block ? block.block.transactions.map((_, i) => receiptJson(block, i, decode)) : null;
      },
    },
    eth_sendRawTransaction: {
      handler: async (params) => {
        const raw = bytesParam(params[0], "transaction");
        const call: RuntimeCall = {
          type: "Ethereum",
          value: { type: "transact", value: { transaction: raw } },
        } as RuntimeCall;
        // Decoding recovers the signer (cached by content for the pool and the block builder).
        let decoded: ReturnType<typeof decode>;
        let onChainNonce: number;
        const state = bestState();
        try {
          decoded = frontier.ethereum.decode(raw);
          onChainNonce = system.Account.get(state.ext, decoded.sender).nonce;
        } catch (err) {
          throw serverError(ethTxErrorMessage(err));
        }
        const { tx, sender, hash } = decoded;
        const t = tx as unknown as {
          maxFeePerGas?: bigint;
          maxPriorityFeePerGas?: bigint;
          gasPrice?: bigint;
        };
        const maxFee = t.maxFeePerGas ?? t.gasPrice ?? 0n;
        const offer = { ethHash: toHex(hash), maxFee, tip: t.maxPriorityFeePerGas ?? maxFee };
        slots.prune(sender, onChainNonce);
        // The pool validates through the runtime API, whose reasons are terse; on any refusal the
        // pallet's own check on the same state comes first, with geth's wording that wallets match.
        const palletRefusal = (): RpcError | undefined => {
          try {
            frontier.ethereum.validateSelfContained(state.ext, call);
            return undefined;
          } catch (err) {
            return serverError(ethTxErrorMessage(err));
          }
        };
        const refused = slots.check(sender, tx.nonce, offer, (h) => d.poolView.has(h));
        if (refused) throw palletRefusal() ?? serverError(refused);
        let poolHash: Uint8Array;
        try {
          poolHash = await d.pool.submit(encodeUnsignedExtrinsic(encode(callCodec, call)));
        } catch (err) {
          throw palletRefusal() ?? poolErrorToEth(err);
        }
        slots.record(sender, tx.nonce, { ...offer, poolHash, raw });
        d.events.emit("pendingTransaction", hash, raw);
        return toHex(hash);
      },
    },
    eth_sendTransaction: {
      handler: () => {
        throw serverError(
          "unknown account: this node holds no Ethereum keys; sign locally and use eth_sendRawTransaction",
        );
      },
    },
    eth_sign: {
      handler: () => {
        throw serverError("unknown account: this node holds no Ethereum keys");
      },
    },
    eth_call: {
      handler: (params) => runner.call(params[0], params[1], params[2]),
    },
    eth_estimateGas: {
      handler: (params) => runner.estimateGas(params[0], params[1], params[2]),
    },
  };
}
