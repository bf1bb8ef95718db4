import {
  aura,
  balances,
  frontier,
  grandpa,
  session,
  sudo,
  system,
  timestamp,
  transactionPayment,
} from "@darwin/pallets";
import {
  type Ctx,
  type DispatchClass,
  type Externalities,
  type RuntimeCall,
  Weight,
  weight,
} from "@darwin/pallets/support";
import { lazy, option, struct, u32 } from "@darwin/scale";
import { type ComposedRuntime, composeRuntime } from "./compose.ts";
import { RuntimeVersionCodec, VERSION } from "./version.ts";

/** One DNA: 18 decimals, like wei. */
export const DNA = 10n ** 18n;
export const EXISTENTIAL_DEPOSIT = 10n ** 15n; // 0.001 DNA
export const SLOT_DURATION_MS = 6000n;
export const BLOCK_HASH_COUNT = 4096;
export const SS58_PREFIX = 42;

/** 2 seconds of compute per block, 75% of it for normal transactions (FRAME's defaults). */
export const MAX_BLOCK_WEIGHT: Weight = weight(2_000_000_000_000n, 5n * 1024n * 1024n);
export const NORMAL_DISPATCH_RATIO_PERCENT = 75n;
export const MAX_BLOCK_LENGTH = 5 * 1024 * 1024;
export const EXTRINSIC_BASE_WEIGHT: Weight = weight(125_000_000n);
export const BLOCK_EXECUTION_WEIGHT: Weight = weight(5_000_000_000n);

const PerDispatchClassU32 = struct(
  { normal: u32, operational: u32, mandatory: u32 },
  { path: ["frame_support", "dispatch", "PerDispatchClass"] },
);
const WeightsPerClass = struct(
  { baseExtrinsic: Weight, maxExtrinsic: option(Weight), maxTotal: option(Weight), reserved: option(Weight) },
  { path: ["frame_system", "limits", "WeightsPerClass"] },
);
const BlockWeights = struct(
  {
    baseBlock: Weight,
    maxBlock: Weight,
    perClass: struct(
      { normal: WeightsPerClass, operational: WeightsPerClass, mandatory: WeightsPerClass },
      { path: ["frame_support", "dispatch", "PerDispatchClass"] },
    ),
  },
  { path: ["frame_system", "limits", "BlockWeights"] },
);
const BlockLength = struct({ max: PerDispatchClassU32 }, { path: ["frame_system", "limits", "BlockLength"] });

const normalMax = (MAX_BLOCK_WEIGHT.refTime * NORMAL_DISPATCH_RATIO_PERCENT) / 100n;
const blockWeightsValue = {
  baseBlock: BLOCK_EXECUTION_WEIGHT,
  maxBlock: MAX_BLOCK_WEIGHT,
  perClass: {
    normal: {
      baseExtrinsic: EXTRINSIC_BASE_WEIGHT,
      maxExtrinsic: weight(normalMax - EXTRINSIC_BASE_WEIGHT.refTime, MAX_BLOCK_WEIGHT.proofSize),
      maxTotal: weight(normalMax, MAX_BLOCK_WEIGHT.proofSize),
      reserved: weight(0n),
    },
    operational: {
      baseExtrinsic: EXTRINSIC_BASE_WEIGHT,
      maxExtrinsic: weight(
        MAX_BLOCK_WEIGHT.refTime - EXTRINSIC_BASE_WEIGHT.refTime,
        MAX_BLOCK_WEIGHT.proofSize,
      ),
      maxTotal: MAX_BLOCK_WEIGHT,
      reserved: weight(MAX_BLOCK_WEIGHT.refTime - normalMax),
    },
    mandatory: {
      baseExtrinsic: EXTRINSIC_BASE_WEIGHT,
      maxExtrinsic: undefined,
      maxTotal: undefined,
      reserved: undefined,
    },
  },
};

export interface DarwinPallets {
  readonly runtime: ComposedRuntime;
  readonly currency: balances.Currency;
  readonly payment: ReturnType<typeof transactionPayment.createTransactionPaymentPallet>;
  /** EVM, Ethereum (self-contained transactions) and BaseFee. */
  readonly frontier: frontier.FrontierPallets;
  readonly inherentPallets: readonly {
    readonly name: string;
    readonly inherent: NonNullable<import("@darwin/pallets/support").PalletSpec["inherent"]>;
  }[];
}

/** construct_runtime! for Darwin: the pallets, their indices and their configuration. */
export function buildDarwinPallets(): DarwinPallets {
  let composed: ComposedRuntime | undefined;
  const callRef = lazy(() => composed!.callCodec);
  const systemP = system.createSystemPallet({
    blockHashCount: BLOCK_HASH_COUNT,
    ss58Prefix: SS58_PREFIX,
    eventsCodec: () => composed!.eventsCodec as never,
    version: { codec: RuntimeVersionCodec as never, value: VERSION },
    dbWeight: { read: 25_000_000n, write: 100_000_000n },
    blockWeights: { codec: BlockWeights as never, value: blockWeightsValue },
    blockLength: {
      codec: BlockLength as never,
      value: {
        max: {
          normal: (MAX_BLOCK_LENGTH * 3) / 4,
          operational: MAX_BLOCK_LENGTH,
          mandatory: MAX_BLOCK_LENGTH,
        },
      },
    },
  });
  const timestampP = timestamp.createTimestampPallet({ minimumPeriod: SLOT_DURATION_MS / 2n });
  const auraP = aura.createAuraPallet({ slotDuration: SLOT_DURATION_MS });
  const grandpaP = grandpa.createGrandpaPallet();
  const sessionP = session.createSessionPallet();
  const balancesP = balances.createBalancesPallet({ existentialDeposit: EXISTENTIAL_DEPOSIT });
  const blockAuthor = (ctx: Ctx): Uint8Array | undefined => {
    const slot = aura.CurrentSlot.get(ctx.ext);
    const validators = session.Validators.get(ctx.ext);
    if (validators.length === 0) return undefined;
    return validators[Number(slot % BigInt(validators.length))];
  };
  const onCharge = transactionPayment.burnHalfToAuthor(balancesP.currency, blockAuthor);
  const paymentP = transactionPayment.createTransactionPaymentPallet(
    {
      weightFeePerRefTime: 10_000_000n,
      lengthFeePerByte: 1_000_000_000_000n,
      extrinsicBaseWeight: EXTRINSIC_BASE_WEIGHT,
      operationalFeeMultiplier: 5,
    },
    () => onCharge,
  );
  const sudoP = sudo.createSudoPallet(callRef as never);
  const frontierP = frontier.createFrontierPallets({
    currency: balancesP.currency,
    onCharge: () => onCharge,
    author: blockAuthor,
    maxNormalRefTime: normalMax,
    usedNormalRefTime: (ext: Externalities) => {
      const used = system.BlockWeightUsed.get(ext).refTime - BLOCK_EXECUTION_WEIGHT.refTime;
      return used > 0n ? used : 0n;
    },
  });
  composed = composeRuntime([
    { index: 0, pallet: systemP.pallet },
    { index: 1, pallet: timestampP.pallet },
    { index: 2, pallet: auraP.pallet },
    { index: 3, pallet: grandpaP.pallet },
    { index: 4, pallet: sessionP.pallet },
    { index: 10, pallet: balancesP.pallet },
    { index: 11, pallet: paymentP.pallet },
    { index: 12, pallet: sudoP.pallet },
    { index: 50, pallet: frontierP.evm.pallet },
    { index: 51, pallet: frontierP.ethereum.pallet },
    { index: 52, pallet: frontierP.baseFee.pallet },
  ]);
  const inherentPallets = composed.entries.flatMap((e) =>
    e.pallet.spec.inherent ? [{ name: e.pallet.name, inherent: e.pallet.spec.inherent }] : [],
  );
  return {
    runtime: composed,
    currency: balancesP.currency,
    payment: paymentP,
    frontier: frontierP,
    inherentPallets,
  };
}

export function isMandatory(info: { class: DispatchClass }): boolean {
  return info.class.type === "Mandatory";
}

export type { RuntimeCall };
