// A plain in-process EVM (@ethereumjs/vm 10) for tests and benchmarks that need no chain: deploy
// artifacts, send calls, read logs and gas. Every call is a signed transaction run by `runTx`, so its
// gas is exactly what a chain charges a transaction (intrinsic and calldata cost, cold/warm accesses
// starting fresh per transaction, refunds); a static call is that transaction with its state
// changes undone, as eth_call.
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import type { Log } from "@ethereumjs/evm";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { type Address, createAccount, createAddressFromPrivateKey, hexToBytes } from "@ethereumjs/util";
import { createVM, runTx, type VM } from "@ethereumjs/vm";
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
  /** Execution gas (the transaction's gas without its intrinsic and calldata cost). */
  readonly executionGas: bigint;
  /** What the transaction was (or, for a static call, would be) charged: runTx's totalGasSpent. */
  readonly transactionGas: bigint;
  readonly logs: readonly Log[];
}

export interface LocalEvm {
  readonly vm: VM;
  readonly sender: Address;
  deploy(artifact: ContractArtifact, args?: readonly unknown[]): Promise<{ address: Hex; gas: bigint }>;
  /**
   * A call as a signed transaction; throws EvmCallError on revert. `isStatic`: as eth_call, the same
   * transaction with its state changes undone afterwards (it does not forbid writes, as STATICCALL
   * would).
   */
  call(to: Hex, data: Hex, opts?: { readonly isStatic?: boolean }): Promise<CallResult>;
}

// A development key: the sender of every transaction of a LocalEvm.
const SENDER_KEY = hexToBytes("0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133");
const GAS_LIMIT = 30_000_000n;
const MAX_FEE = 10n ** 10n;

export async function createLocalEvm(): Promise<LocalEvm> {
  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun });
  const vm = await createVM({ common });
  const sender = createAddressFromPrivateKey(SENDER_KEY);
  await vm.stateManager.putAccount(sender, createAccount({ nonce: 0n, balance: 10n ** 24n }));

  const fail = (what: string, error: string, returnValue: Uint8Array): never => {
    const ret = bytesToHex(returnValue);
    throw new EvmCallError(`EVM ${what} failed: ${error} ${ret}`, ret);
  };

  // Transactions run one after another, as in a block, each with the sender's nonce at its turn.
  let previous: Promise<unknown> = Promise.resolve();
  const transact = (to: Hex | undefined, data: Hex, dryRun = false) => {
    const run = previous.then(async () => {
      if (!dryRun) return transactNow(to, data);
      // eth_call: the same transaction, its state changes (the nonce too) undone afterwards.
      await vm.stateManager.checkpoint();
      try {
        return await transactNow(to, data);
      } finally {
        await vm.stateManager.revert();
      }
    });
    previous = run.catch(() => {});
    return run;
  };
  const transactNow = async (to: Hex | undefined, data: Hex) => {
    // The account's nonce, as a wallet reads it (eth_getTransactionCount).
    const nonce = (await vm.stateManager.getAccount(sender))?.nonce ?? 0n;
    const tx = createFeeMarket1559Tx(
      {
        nonce,
        gasLimit: GAS_LIMIT,
        maxFeePerGas: MAX_FEE,
        maxPriorityFeePerGas: 0n,
        ...(to ? { to } : {}),
        data: hexToBytes(data),
      },
      { common },
    ).sign(SENDER_KEY);
    const result = await runTx(vm, { tx });
    if (result.execResult.exceptionError)
      fail(to ? "call" : "deploy", result.execResult.exceptionError.error, result.execResult.returnValue);
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
      const result = await transact(undefined, data);
      if (!result.createdAddress)
        throw new EvmCallError(`deploying ${artifact.contractName} created nothing`, "0x");
      return { address: result.createdAddress.toString() as Hex, gas: result.totalGasSpent };
    },
    async call(to, data, opts = {}) {
      const result = await transact(to, data, opts.isStatic ?? false);
      return {
        returnData: bytesToHex(result.execResult.returnValue),
        executionGas: result.execResult.executionGasUsed,
        transactionGas: result.totalGasSpent,
        logs: result.execResult.logs ?? [],
      };
    },
  };
}
