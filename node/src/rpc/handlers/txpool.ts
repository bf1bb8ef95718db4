import { decodeExtrinsic } from "@darwin/runtime-spec";
import { toHex } from "@darwin/scale";
import { type EthDeps, ethTransactionOf } from "../../eth/context.ts";
import { txJson } from "../../eth/format.ts";
import type { RpcMethodTable } from "../server/index.ts";

type Section = Record<string, Record<string, unknown>>;

/** geth's `txpool_*` over the Ethereum transactions in the pool (ready = pending, future = queued). */
export function txpoolMethods(d: EthDeps): RpcMethodTable {
  const { chain } = d;
  // For display: pool entries were decoded (and their signers noted) when they were submitted.
  const decode = (raw: Uint8Array) =>
    chain.runtime.pallets.frontier.ethereum.decode(raw, { noteSigner: false });
  const decodeCall = (xt: Uint8Array) => {
    try {
      return decodeExtrinsic(chain.runtime.composed.callCodec, xt).call as { type: string; value: unknown };
    } catch {
      return undefined;
    }
  };
  const split = () => {
    const ready = new Set<string>();
    const pending: Uint8Array[] = [];
    for (const tx of d.poolView.ready()) {
      ready.add(tx.hashHex);
      const raw = ethTransactionOf(decodeCall, tx.data);
      if (raw) pending.push(raw);
    }
    const queued: Uint8Array[] = [];
    for (const tx of d.poolView.pending()) {
      if (ready.has(tx.hashHex)) continue;
      const raw = ethTransactionOf(decodeCall, tx.data);
      if (raw) queued.push(raw);
    }
    return { pending, queued };
  };
  const group = (raws: Uint8Array[], render: (raw: Uint8Array) => unknown): Section => {
    const out: Section = {};
    for (const raw of raws) {
      const { tx, sender } = decode(raw);
      const from = toHex(sender);
      out[from] ??= {};
      out[from][tx.nonce.toString()] = render(raw);
    }
    return out;
  };
  const summary = (raw: Uint8Array) => {
    const { tx } = decode(raw);
    const t = tx as unknown as { gasPrice?: bigint; maxFeePerGas?: bigint };
    const to = tx.to ? toHex(tx.to.bytes) : "contract creation";
    return `${to}: ${tx.value} wei + ${tx.gasLimit} gas × ${t.maxFeePerGas ?? t.gasPrice ?? 0n} wei`;
  };
  return {
    txpool_status: {
      handler: () => {
        const { pending, queued } = split();
        return { pending: `0x${pending.length.toString(16)}`, queued: `0x${queued.length.toString(16)}` };
      },
    },
    txpool_content: {
      handler: () => {
        const { pending, queued } = split();
        const render = (raw: Uint8Array) => txJson(raw, decode, { block: undefined, index: undefined });
        return { pending: group(pending, render), queued: group(queued, render) };
      },
    },
    txpool_inspect: {
      handler: () => {
        const { pending, queued } = split();
        return { pending: group(pending, summary), queued: group(queued, summary) };
      },
    },
  };
}
