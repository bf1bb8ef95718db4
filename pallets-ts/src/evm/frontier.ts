import type { Currency } from "../balances/index.ts";
import { createBaseFeePallet } from "../base-fee/index.ts";
import { BlockHash, createEthereumPallet } from "../ethereum/index.ts";
import type { Externalities } from "../support/externalities.ts";
import type { Ctx } from "../support/pallet.ts";
import type { OnChargeTransaction } from "../transaction-payment/index.ts";
import { DARWIN_DEV_CHAIN_ID } from "./common.ts";
import { createEvmPallet } from "./index.ts";
import { balancesErc20Precompile } from "./precompiles/balances-erc20.ts";
import { batchPrecompile } from "./precompiles/batch.ts";
import { callPermitPrecompile } from "./precompiles/call-permit.ts";

export interface FrontierConfig {
  readonly chainId?: bigint;
  readonly currency: Currency;
  readonly onCharge: () => OnChargeTransaction;
  readonly author: (ctx: Ctx) => Uint8Array | undefined;
  /** Normal-class ref_time a block may use; the block gas limit is this over `weightPerGas`. */
  readonly maxNormalRefTime: bigint;
  /** Normal-class ref_time used so far in the block (for the base fee's fullness). */
  readonly usedNormalRefTime: (ext: Externalities) => bigint;
  readonly weightPerGas?: bigint;
  readonly defaultBaseFeePerGas?: bigint;
  readonly minBaseFeePerGas?: bigint;
}

/** 1 gwei: with 18-decimal DNA an ETH transfer (21,000 gas) costs 0.000021 DNA at the default. */
export const DEFAULT_BASE_FEE_PER_GAS = 1_000_000_000n;
/** Frontier's default: 20,000 ref_time per gas (a 2 s block of 75% normal weight is 75 M gas). */
export const DEFAULT_WEIGHT_PER_GAS = 20_000n;

/** pallet-evm, pallet-ethereum and pallet-base-fee wired together, with Darwin's precompiles. */
export function createFrontierPallets(config: FrontierConfig) {
  const chainId = config.chainId ?? DARWIN_DEV_CHAIN_ID;
  const weightPerGas = config.weightPerGas ?? DEFAULT_WEIGHT_PER_GAS;
  const blockGasLimit = config.maxNormalRefTime / weightPerGas;
  const baseFee = createBaseFeePallet({
    defaultBaseFeePerGas: config.defaultBaseFeePerGas ?? DEFAULT_BASE_FEE_PER_GAS,
    minBaseFeePerGas: config.minBaseFeePerGas ?? DEFAULT_BASE_FEE_PER_GAS / 10n,
    defaultElasticity: 125_000,
    fullness: (ext) => ({ used: config.usedNormalRefTime(ext), max: config.maxNormalRefTime }),
  });
  const evm = createEvmPallet({
    chainId,
    blockGasLimit,
    weightPerGas,
    onCharge: config.onCharge,
    baseFee: baseFee.baseFee,
    blockHash: (ext, n) => BlockHash.get(ext, n),
    precompiles: [balancesErc20Precompile(config.currency), batchPrecompile(), callPermitPrecompile(chainId)],
  });
  const ethereum = createEthereumPallet({ runner: evm.runner, author: config.author });
  return { evm, ethereum, baseFee, chainId, blockGasLimit, weightPerGas };
}

export type FrontierPallets = ReturnType<typeof createFrontierPallets>;
