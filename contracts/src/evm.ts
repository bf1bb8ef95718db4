// A plain in-process EVM (@ethereumjs/vm 10) for tests and benchmarks until the chain's EVM lands:
// deploy artifacts, send calls, read logs and gas. Calls run through evm.runCall (no signatures,
// no fees), so gas figures are the execution gas plus the intrinsic cost computed here; warm and
// cold accesses are accounted per call, as for separate transactions.
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import type { Log } from "@ethereumjs/evm";
import { type Address, createAccount, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { createVM, type VM } from "@ethereumjs/vm";
import { type Abi, bytesToHex, encodeDeployData, type Hex } from "viem";
import type { ContractArtifact } from "./compile.ts";

export class EvmCallError extends Error {
  readonly code = "EVM_CALL" as const;
  /** Revert data (an ABI-encoded custom error), if any. */
  readonly data: Hex;
  constructor(message: string, data: Hex) {
    super(message);
    this.name = "EvmCallError";
    this.data = data;
  }
}

export interface CallResult {
  readonly returnData: Hex;
  /** Execution gas (without the 21000 base and calldata cost). */
  readonly executionGas: bigint;
  /** executionGas + 21000 + calldata cost: what a transaction would be charged (pre EIP-7623 floor). */
  readonly transactionGas: bigint;
  readonly logs: readonly Log[];
}

export interface LocalEvm {
  readonly vm: VM;
  readonly sender: Address;
  deploy(artifact: ContractArtifact, args?: readonly unknown[]): Promise<{ address: Hex; gas: bigint }>;
  /** A state-changing call; throws EvmCallError on revert. */
  call(to: Hex, data: Hex, opts?: { readonly isStatic?: boolean }): Promise<CallResult>;
}

/** Calldata cost: 4 gas per zero byte, 16 per non-zero byte. */
export function calldataGas(data: Hex): bigint {
  let gas = 0n;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === "00" ? 4n : 16n;
  return gas;
}

export async function createLocalEvm(): Promise<LocalEvm> {
  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun });
  const vm = await createVM({ common });
  const sender = createAddressFromString("0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac");
  await vm.stateManager.putAccount(sender, createAccount({ nonce: 0n, balance: 10n ** 24n }));
  const gasLimit = 30_000_000n;

  const run = async (to: Hex | undefined, data: Hex, isStatic: boolean) => {
    // Each call is charged like its own transaction (EIP-2929): runCall alone keeps the previous
    // calls' warm accounts and slots, which made e.g. a model registered by one call look warm to the
    // next call's submitProof. Start cold, pre-warmed exactly as runTx does (sender, target,
    // precompiles; the coinbase, EIP-3651).
    await vm.evm.journal.cleanup();
    for (const [precompile] of vm.evm.precompiles.entries()) vm.evm.journal.addAlwaysWarmAddress(precompile);
    vm.evm.journal.addAlwaysWarmAddress(sender.toString().slice(2));
    if (to) vm.evm.journal.addAlwaysWarmAddress(to.slice(2).toLowerCase());
    vm.evm.journal.addAlwaysWarmAddress("0000000000000000000000000000000000000000");
    const result = await vm.evm.runCall({
      caller: sender,
      origin: sender,
      ...(to ? { to: createAddressFromString(to) } : {}),
      data: hexToBytes(data),
      gasLimit,
      isStatic,
    });
    const exec = result.execResult;
    if (exec.exceptionError) {
      const ret = bytesToHex(exec.returnValue);
      throw new EvmCallError(
        `EVM ${to ? "call" : "deploy"} failed: ${exec.exceptionError.error} ${ret}`,
        ret,
      );
    }
    return result;
  };

  return {
    vm,
    sender,
    async deploy(artifact, args = []) {
      const data = encodeDeployData({
        abi: artifact.abi as Abi,
        bytecode: artifact.bytecode as Hex,
        args: [...args],
      });
      const result = await run(undefined, data, false);
      if (!result.createdAddress)
        throw new EvmCallError(`deploying ${artifact.contractName} created nothing`, "0x");
      return { address: result.createdAddress.toString() as Hex, gas: result.execResult.executionGasUsed };
    },
    async call(to, data, opts = {}) {
      const result = await run(to, data, opts.isStatic ?? false);
      const executionGas = result.execResult.executionGasUsed;
      return {
        returnData: bytesToHex(result.execResult.returnValue),
        executionGas,
        transactionGas: executionGas + 21_000n + calldataGas(data),
        logs: result.execResult.logs ?? [],
      };
    },
  };
}
