import type { Header } from "@darwin/pallets/support";
import { decodeExtrinsic } from "@darwin/runtime-spec";
import { bytesEqual, toHex } from "@darwin/scale";
import type { Chain } from "../chain/chain.ts";
import { RpcError } from "../rpc/server/index.ts";
import { type EthDeps, ethTransactionOf, serverError } from "./context.ts";
import { revertReason } from "./errors.ts";
import { qty } from "./format.ts";

/** geth's callTracer frame. */
export interface CallFrame {
  type: "CALL" | "STATICCALL" | "DELEGATECALL" | "CREATE" | "CREATE2";
  from: string;
  to?: string;
  value?: string;
  gas: string;
  gasUsed: string;
  input: string;
  output?: string;
  error?: string;
  revertReason?: string;
  calls?: CallFrame[];
}

/** The parts of an ethereumjs message and result the tracer reads. */
interface TracedMessage {
  readonly caller: { readonly bytes: Uint8Array };
  readonly to?: { readonly bytes: Uint8Array };
  readonly value: bigint;
  readonly data: Uint8Array;
  readonly gasLimit: bigint;
  readonly depth: number;
  readonly isStatic: boolean;
  readonly delegatecall: boolean;
  readonly salt?: Uint8Array;
}
interface TracedResult {
  readonly createdAddress?: { readonly bytes: Uint8Array };
  readonly execResult: {
    readonly executionGasUsed: bigint;
    readonly returnValue: Uint8Array;
    readonly exceptionError?: { readonly error: string };
  };
}
interface TracedEvm {
  readonly events: {
    on(event: "beforeMessage" | "afterMessage", l: (x: never) => void): void;
    off(event: "beforeMessage" | "afterMessage", l: (x: never) => void): void;
  };
}

/**
 * `debug_traceTransaction` with `callTracer`: re-executes the transaction's block on its parent's
 * state up to and including the transaction, recording the EVM's message frames. The block's writes
 * go to a throwaway overlay.
 */
export function createTracer(d: EthDeps) {
  const { chain, index } = d;
  const frontier = chain.runtime.pallets.frontier;
  const decode = (raw: Uint8Array) => frontier.ethereum.decode(raw, { noteSigner: false });
  const runnerVm = async (): Promise<{ evm: TracedEvm }> =>
    (frontier.evm.runner as unknown as { getVm(): Promise<{ evm: TracedEvm }> }).getVm();

  return async function traceTransaction(hash: Uint8Array, options: unknown): Promise<CallFrame> {
    const tracer = (options as { tracer?: unknown } | undefined)?.tracer;
    if (tracer !== "callTracer")
      throw RpcError.invalidParams('only the callTracer is supported: pass {"tracer": "callTracer"}');
    const onlyTopCall =
      (options as { tracerConfig?: { onlyTopCall?: unknown } }).tracerConfig?.onlyTopCall === true;
    const loc = index.transaction(hash);
    if (!loc) throw serverError("transaction not found");
    const block = index.load(loc.substrateHash);
    const header = chain.header(loc.substrateHash);
    const extrinsics = chain.extrinsics(loc.substrateHash);
    if (!block || !header || !extrinsics) throw serverError("transaction not found");
    const { sender, tx } = decode(block.block.transactions[loc.index]!);
    const ext = stateForReplay(chain, header);
    await chain.runtime.initializeBlock(ext, {
      ...header,
      digest: { logs: header.digest.logs.filter((l) => l.type === "PreRuntime") },
    });
    const callCodec = chain.runtime.composed.callCodec;
    const decodeCall = (xt: Uint8Array) => {
      try {
        return decodeExtrinsic(callCodec, xt).call as { type: string; value: unknown };
      } catch {
        return undefined;
      }
    };
    const { evm } = await runnerVm();
    for (const xt of extrinsics) {
      const raw = ethTransactionOf(decodeCall, xt);
      if (!raw || !bytesEqual(decode(raw).hash, hash)) {
        await chain.runtime.applyExtrinsic(ext, xt);
        continue;
      }
      const stack: CallFrame[] = [];
      let root: CallFrame | undefined;
      let recording = false;
      // The EVM is shared with block production: only the frames of this sender's top-level call count.
      const before = (m: TracedMessage) => {
        if (m.depth === 0) recording = !root && bytesEqual(m.caller.bytes, sender);
        if (!recording) return;
        const type = !m.to
          ? m.salt
            ? "CREATE2"
            : "CREATE"
          : m.delegatecall
            ? "DELEGATECALL"
            : m.isStatic && m.depth > 0
              ? "STATICCALL"
              : "CALL";
        const frame: CallFrame = {
          type,
          from: toHex(m.caller.bytes),
          ...(m.to ? { to: toHex(m.to.bytes) } : {}),
          ...(type !== "STATICCALL" && type !== "DELEGATECALL" ? { value: qty(m.value) } : {}),
          gas: qty(m.gasLimit),
          gasUsed: "0x0",
          input: toHex(m.data),
        };
        if (stack.length > 0 && !onlyTopCall) {
          const parent = stack[stack.length - 1]!;
          parent.calls ??= [];
          parent.calls.push(frame);
        }
        stack.push(frame);
      };
      const after = (r: TracedResult) => {
        if (!recording) return;
        const frame = stack.pop();
        if (!frame) return;
        const e = r.execResult;
        frame.gasUsed = qty(e.executionGasUsed);
        if (r.createdAddress && !frame.to) frame.to = toHex(r.createdAddress.bytes);
        if (e.returnValue.length > 0) frame.output = toHex(e.returnValue);
        if (e.exceptionError) {
          frame.error = e.exceptionError.error === "revert" ? "execution reverted" : e.exceptionError.error;
          const reason = e.exceptionError.error === "revert" ? revertReason(e.returnValue) : undefined;
          if (reason !== undefined) frame.revertReason = reason;
        }
        if (stack.length === 0) {
          root = frame;
          recording = false;
        }
      };
      evm.events.on("beforeMessage", before as (x: never) => void);
      evm.events.on("afterMessage", after as (x: never) => void);
      try {
        await chain.runtime.applyExtrinsic(ext, xt);
      } finally {
        evm.events.off("beforeMessage", before as (x: never) => void);
        evm.events.off("afterMessage", after as (x: never) => void);
      }
      if (!root) throw serverError("transaction did not execute when replayed");
      // The top frame reports the transaction's gas: its limit and what the receipt charged.
      const used =
        block.receipts[loc.index]!.value.usedGas -
        (loc.index === 0 ? 0n : block.receipts[loc.index - 1]!.value.usedGas);
      root.gas = qty(tx.gasLimit);
      root.gasUsed = qty(used);
      return root;
    }
    throw serverError("transaction not found in its block");
  };
}

function stateForReplay(chain: Chain, header: Header) {
  try {
    return chain.stateAt(header.parentHash).ext;
  } catch (err) {
    throw serverError(`historical state not available: ${(err as Error).message}`);
  }
}
