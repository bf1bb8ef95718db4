import { keccak256 } from "@darwin/crypto";
import { evm, system } from "@darwin/pallets";
import type { Externalities } from "@darwin/pallets/support";
import { toHex } from "@darwin/scale";
import { RpcError } from "../rpc/server/index.ts";
import { type EthDeps, requireBlock, serverError, stateOf } from "./context.ts";
import { revertReason } from "./errors.ts";
import { qty } from "./format.ts";
import { addressParam, bytesParam, hashParam, optionalQuantity } from "./params.ts";

interface CallRequest {
  readonly from: Uint8Array;
  readonly to: Uint8Array | undefined;
  readonly data: Uint8Array;
  readonly value: bigint;
  readonly gas: bigint | undefined;
}

function parseRequest(value: unknown): CallRequest {
  if (typeof value !== "object" || value === null)
    throw RpcError.invalidParams("invalid argument 0: expected a call object");
  const o = value as Record<string, unknown>;
  const input = o.input ?? o.data;
  return {
    from: o.from === undefined || o.from === null ? new Uint8Array(20) : addressParam(o.from, "from"),
    to: o.to === undefined || o.to === null ? undefined : addressParam(o.to, "to"),
    data: input === undefined || input === null ? new Uint8Array(0) : bytesParam(input, "input"),
    value: optionalQuantity(o.value, "value") ?? 0n,
    gas: optionalQuantity(o.gas, "gas"),
  };
}

/** Gas a transaction pays before executing: base, calldata, creation and init-code words. */
function intrinsicGas(r: CallRequest): bigint {
  let gas = 21_000n;
  for (const b of r.data) gas += b === 0 ? 4n : 16n;
  if (!r.to) gas += 32_000n + 2n * BigInt(Math.ceil(r.data.length / 32));
  return gas;
}

/** EIP-7623's calldata floor: a transaction never pays less than this (Prague). */
function floorGas(r: CallRequest): bigint {
  let tokens = 0n;
  for (const b of r.data) tokens += b === 0 ? 1n : 4n;
  return 21_000n + 10n * tokens;
}

/** geth's answer for a reverted call: code 3, the reason in the message, the raw data in `data`. */
function revertError(data: Uint8Array): RpcError {
  const reason = revertReason(data);
  return new RpcError(
    3,
    reason !== undefined ? `execution reverted: ${reason}` : "execution reverted",
    toHex(data),
  );
}

function exitMessage(exitReason: string): string {
  return /^Error\((.*)\)$/.exec(exitReason)?.[1] ?? exitReason;
}

/** Applies geth's state override set to a throwaway overlay. */
function applyOverrides(ext: Externalities, overrides: unknown): void {
  if (overrides === undefined || overrides === null) return;
  if (typeof overrides !== "object")
    throw RpcError.invalidParams("invalid argument 2: state overrides must be an object");
  for (const [addr, raw] of Object.entries(overrides as Record<string, unknown>)) {
    const who = addressParam(addr, "override address");
    const o = (raw ?? {}) as Record<string, unknown>;
    const balance = optionalQuantity(o.balance, "balance");
    const nonce = optionalQuantity(o.nonce, "nonce");
    if (balance !== undefined || nonce !== undefined) {
      const info = system.Account.get(ext, who);
      system.Account.insert(ext, who, {
        ...info,
        nonce: nonce !== undefined ? Number(nonce) : info.nonce,
        // An overridden account must exist for the EVM to see it.
        providers: Math.max(info.providers, 1),
        data: { ...info.data, free: balance ?? info.data.free },
      });
    }
    if (o.code !== undefined && o.code !== null) {
      const code = bytesParam(o.code, "code");
      evm.AccountCodes.insert(ext, who, code);
      evm.AccountCodesMetadata.insert(ext, who, { size: BigInt(code.length), hash: keccak256(code) });
    }
    if (o.state !== undefined && o.stateDiff !== undefined)
      throw RpcError.invalidParams("state and stateDiff cannot both be overridden");
    const slots = (o.state ?? o.stateDiff) as Record<string, unknown> | undefined;
    if (o.state !== undefined) evm.AccountStorages.clear(ext, who);
    for (const [k, v] of Object.entries(slots ?? {})) {
      evm.AccountStorages.insert(ext, who, hashParam(k, "storage slot"), hashParam(v, "storage value"));
    }
  }
}

/** eth_call and eth_estimateGas: the runtime's EVM simulation on a throwaway overlay at a block. */
export function createEthCallRunner(d: EthDeps) {
  const { chain, index } = d;
  const frontier = chain.runtime.pallets.frontier;
  const blockGasLimit = frontier.blockGasLimit;

  async function simulate(r: CallRequest, blockParam: unknown, overrides: unknown, gasLimit: bigint) {
    const block = requireBlock(chain, index, blockParam ?? "latest");
    const ext = stateOf(chain, block).ext;
    applyOverrides(ext, overrides);
    return frontier.evm.runner.simulate(chain.runtime.ctx(ext), {
      from: r.from,
      ...(r.to ? { to: r.to } : {}),
      data: r.data,
      value: r.value,
      gasLimit,
    });
  }

  return {
    async call(request: unknown, blockParam: unknown, overrides: unknown): Promise<string> {
      const r = parseRequest(request);
      const gas = r.gas !== undefined && r.gas < blockGasLimit ? r.gas : blockGasLimit;
      // As a transaction would: the intrinsic gas comes off the top before execution.
      const intrinsic = intrinsicGas(r);
      if (gas < intrinsic) throw serverError(`intrinsic gas too low: have ${gas}, want ${intrinsic}`);
      const info = await simulate(r, blockParam, overrides, gas - intrinsic);
      if (info.reverted) throw revertError(info.returnData);
      if (!info.success) throw serverError(exitMessage(info.exitReason));
      return toHex(info.returnData);
    },

    /**
     * The smallest gas limit at which the call succeeds: first the gas it used with the whole
     * allowance (enough unless the 63/64 rule or refunds bite), else a binary search up to the cap.
     */
    async estimateGas(request: unknown, blockParam: unknown, overrides: unknown): Promise<string> {
      const r = parseRequest(request);
      const cap = r.gas !== undefined && r.gas < blockGasLimit ? r.gas : blockGasLimit;
      const intrinsic = intrinsicGas(r);
      if (cap < intrinsic) throw serverError(`intrinsic gas too low: have ${cap}, want ${intrinsic}`);
      const runAt = (gas: bigint) => simulate(r, blockParam, overrides, gas - intrinsic);
      const first = await runAt(cap);
      if (first.reverted) throw revertError(first.returnData);
      if (!first.success) {
        const m = exitMessage(first.exitReason);
        throw serverError(m === "out of gas" ? `gas required exceeds allowance (${cap})` : m);
      }
      const floor = floorGas(r);
      let lo = floor;
      if (first.gasUsed > lo) lo = first.gasUsed;
      if (lo > cap) lo = cap;
      const okAt = async (gas: bigint) => (await runAt(gas)).success;
      if (await okAt(lo)) return qty(lo);
      let fail = lo;
      let ok = cap;
      // Stop within 1.5% of the answer: each step is a full EVM run.
      while (ok - fail > 1n && (ok - fail) * 64n > ok) {
        const mid = (fail + ok) / 2n;
        if (await okAt(mid)) ok = mid;
        else fail = mid;
      }
      return qty(ok);
    },
  };
}
