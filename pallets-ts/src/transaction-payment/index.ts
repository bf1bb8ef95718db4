import { enumeration, newtype, u8, u128 } from "@darwin/scale";
import type { Currency } from "../balances/index.ts";
import { type Ctx, definePallet } from "../support/pallet.ts";
import { storageValue } from "../support/storage.ts";
import type { Balance } from "../support/types.ts";
import { AccountId20, type DispatchInfo, type Weight } from "../support/types.ts";

const FIXED_ONE = 10n ** 18n;
const FixedU128 = newtype(["sp_arithmetic", "fixed_point", "FixedU128"], u128, "u128");
export const NextFeeMultiplier = storageValue({
  name: "NextFeeMultiplier",
  value: FixedU128,
  default: FIXED_ONE,
});
export const StorageVersion = storageValue({
  name: "StorageVersion",
  value: enumeration(
    { V1Ancient: { index: 0 }, V2: { index: 1 } },
    { path: ["pallet_transaction_payment", "Releases"] },
  ),
  default: { type: "V2" },
});

export interface FeeParameters {
  /** Fee per unit of ref_time weight (DNA base units). */
  readonly weightFeePerRefTime: bigint;
  /** Fee per byte of the encoded extrinsic. */
  readonly lengthFeePerByte: bigint;
  /** The weight every extrinsic pays for, on top of its call (frame's ExtrinsicBaseWeight). */
  readonly extrinsicBaseWeight: Weight;
  readonly operationalFeeMultiplier: number;
}

export interface FeeDetails {
  readonly baseFee: Balance;
  readonly lenFee: Balance;
  readonly adjustedWeightFee: Balance;
  readonly tip: Balance;
}

/**
 * Where fees go. Darwin burns half of normal fees and gives the other half (and tips) to the block
 * author; AI transactions will pay in qDNA through another implementation of this hook.
 */
export interface OnChargeTransaction {
  /** Takes `fee + tip` from `who` before dispatch; throws when `who` cannot pay. Returns what was taken. */
  withdrawFee(ctx: Ctx, who: Uint8Array, fee: Balance, tip: Balance): Balance;
  /** After dispatch: refunds `withdrawn - (correctedFee + tip)` and distributes the rest. */
  correctAndDepositFee(
    ctx: Ctx,
    who: Uint8Array,
    correctedFee: Balance,
    tip: Balance,
    withdrawn: Balance,
  ): void;
}

export class CannotPayFees extends Error {
  readonly code = "Payment";
}

/** Burns half of every fee, pays the other half and the whole tip to the block author. */
export function burnHalfToAuthor(
  currency: Currency,
  author: (ctx: Ctx) => Uint8Array | undefined,
): OnChargeTransaction {
  return {
    withdrawFee(ctx, who, fee, tip) {
      const total = fee + tip;
      if (total === 0n) return 0n;
      try {
        currency.withdraw(ctx, who, total, true);
      } catch {
        throw new CannotPayFees(`account cannot pay a fee of ${total}`);
      }
      return total;
    },
    correctAndDepositFee(ctx, who, correctedFee, tip, withdrawn) {
      const due = correctedFee + tip;
      const refund = withdrawn > due ? withdrawn - due : 0n;
      currency.depositWithdrawn(ctx, who, refund);
      const paid = withdrawn - refund;
      const fee = paid > tip ? paid - tip : 0n;
      const burned = fee / 2n;
      const toAuthor = paid - burned;
      currency.burnWithdrawn(ctx, burned);
      const authorAccount = author(ctx);
      if (authorAccount) currency.depositWithdrawn(ctx, authorAccount, toAuthor);
      else currency.burnWithdrawn(ctx, toAuthor);
    },
  };
}

export function createTransactionPaymentPallet(params: FeeParameters, onCharge: () => OnChargeTransaction) {
  function weightToFee(w: Weight): Balance {
    return w.refTime * params.weightFeePerRefTime;
  }

  function computeFeeDetails(
    ctx: Ctx | { ext: Ctx["ext"] },
    len: number,
    info: DispatchInfo,
    tip: Balance,
    actualWeight?: Weight,
  ): FeeDetails {
    if (info.paysFee.type === "No") return { baseFee: 0n, lenFee: 0n, adjustedWeightFee: 0n, tip };
    const multiplier = NextFeeMultiplier.get(ctx.ext);
    const w = actualWeight ?? info.weight;
    return {
      baseFee: weightToFee(params.extrinsicBaseWeight),
      lenFee: BigInt(len) * params.lengthFeePerByte,
      adjustedWeightFee: (weightToFee(w) * multiplier) / FIXED_ONE,
      tip,
    };
  }

  function totalFee(d: FeeDetails): Balance {
    return d.baseFee + d.lenFee + d.adjustedWeightFee;
  }

  const pallet = definePallet({
    name: "TransactionPayment",
    modulePath: ["pallet_transaction_payment", "pallet"],
    storage: [NextFeeMultiplier, StorageVersion],
    events: {
      TransactionFeePaid: {
        index: 0,
        fields: { who: AccountId20, actual_fee: u128, tip: u128 },
        typeNames: { who: "T::AccountId", actual_fee: "BalanceOf<T>", tip: "BalanceOf<T>" },
        docs: [
          "A transaction fee `actual_fee`, of which `tip` was added to the minimum inclusion fee, has been paid by `who`.",
        ],
      },
    },
    constants: {
      OperationalFeeMultiplier: {
        codec: u8,
        value: params.operationalFeeMultiplier,
        docs: [
          'A fee multiplier for `Operational` extrinsics to compute "virtual tip" to boost their `priority`',
        ],
      },
    },
  });

  return {
    pallet,
    computeFeeDetails,
    totalFee,
    /** Priority of a transaction in the pool: tip per unit of weight, boosted for operational calls. */
    priority(info: DispatchInfo, len: number, tip: Balance): bigint {
      const base = (tip * 1_000_000n) / (info.weight.refTime + BigInt(len) + 1n);
      return info.class.type === "Operational"
        ? base * BigInt(params.operationalFeeMultiplier + 1) + 1n
        : base;
    },
    /** Pre-dispatch: withdraws the estimated fee. */
    charge(ctx: Ctx, who: Uint8Array, len: number, info: DispatchInfo, tip: Balance): Balance {
      const fee = totalFee(computeFeeDetails(ctx, len, info, tip));
      return onCharge().withdrawFee(ctx, who, fee, tip);
    },
    /** Post-dispatch: corrects the fee by the actual weight and emits `TransactionFeePaid`. */
    settle(
      ctx: Ctx,
      who: Uint8Array,
      len: number,
      info: DispatchInfo,
      tip: Balance,
      withdrawn: Balance,
      actualWeight?: Weight,
    ): void {
      const corrected = totalFee(computeFeeDetails(ctx, len, info, tip, actualWeight));
      onCharge().correctAndDepositFee(ctx, who, corrected, tip, withdrawn);
      ctx.deposit("TransactionPayment", "TransactionFeePaid", { who, actual_fee: corrected + tip, tip });
    },
  };
}
