import { DispatchErrorCodec, type DispatchErrorValue } from "@darwin/pallets/support";
import { bool, bytes, type Codec, enumeration, result, struct, u8, u64, unit, vec } from "@darwin/scale";

export type InvalidReason =
  | "Call"
  | "Payment"
  | "Future"
  | "Stale"
  | "BadProof"
  | "AncientBirthBlock"
  | "ExhaustsResources"
  | "BadMandatory"
  | "MandatoryValidation"
  | "BadSigner";

export type TransactionValidityError =
  | {
      readonly type: "Invalid";
      readonly value: { readonly type: InvalidReason | "Custom"; readonly value?: number };
    }
  | {
      readonly type: "Unknown";
      readonly value: {
        readonly type: "CannotLookup" | "NoUnsignedValidator" | "Custom";
        readonly value?: number;
      };
    };

export const InvalidTransactionCodec = enumeration(
  {
    Call: { index: 0 },
    Payment: { index: 1 },
    Future: { index: 2 },
    Stale: { index: 3 },
    BadProof: { index: 4 },
    AncientBirthBlock: { index: 5 },
    ExhaustsResources: { index: 6 },
    Custom: { index: 7, value: u8 },
    BadMandatory: { index: 8 },
    MandatoryValidation: { index: 9 },
    BadSigner: { index: 10 },
    IndeterminateImplicit: { index: 11 },
    UnknownOrigin: { index: 12 },
  },
  { path: ["sp_runtime", "transaction_validity", "InvalidTransaction"] },
);
export const UnknownTransactionCodec = enumeration(
  { CannotLookup: { index: 0 }, NoUnsignedValidator: { index: 1 }, Custom: { index: 2, value: u8 } },
  { path: ["sp_runtime", "transaction_validity", "UnknownTransaction"] },
);
export const TransactionValidityErrorCodec = enumeration<TransactionValidityError>(
  {
    Invalid: { index: 0, value: InvalidTransactionCodec },
    Unknown: { index: 1, value: UnknownTransactionCodec },
  },
  { path: ["sp_runtime", "transaction_validity", "TransactionValidityError"] },
);

/** Thrown by validation to reject a transaction with a standard reason. */
export class InvalidTransaction extends Error {
  readonly code = "InvalidTransaction";
  readonly validity: TransactionValidityError;
  constructor(validity: TransactionValidityError) {
    super(`${validity.type}: ${validity.value.type}`);
    this.validity = validity;
  }
  static invalid(reason: InvalidReason): InvalidTransaction {
    return new InvalidTransaction({ type: "Invalid", value: { type: reason } });
  }
  static unknown(reason: "CannotLookup" | "NoUnsignedValidator"): InvalidTransaction {
    return new InvalidTransaction({ type: "Unknown", value: { type: reason } });
  }
}

export interface ValidTransaction {
  readonly priority: bigint;
  readonly requires: Uint8Array[];
  readonly provides: Uint8Array[];
  readonly longevity: bigint;
  readonly propagate: boolean;
}
export const ValidTransactionCodec: Codec<ValidTransaction> = struct<ValidTransaction>(
  { priority: u64, requires: vec(bytes), provides: vec(bytes), longevity: u64, propagate: bool },
  { path: ["sp_runtime", "transaction_validity", "ValidTransaction"] },
);
export const TransactionValidityCodec = result(ValidTransactionCodec, TransactionValidityErrorCodec);

/** `Result<Result<(), DispatchError>, TransactionValidityError>`. */
export const ApplyExtrinsicResultCodec = result(
  result(unit, DispatchErrorCodec),
  TransactionValidityErrorCodec,
);
export type ApplyExtrinsicResult =
  | { readonly ok: { readonly ok: null } | { readonly err: DispatchErrorValue } }
  | { readonly err: TransactionValidityError };

export const TransactionSourceCodec = enumeration(
  { InBlock: { index: 0 }, Local: { index: 1 }, External: { index: 2 } },
  { path: ["sp_runtime", "transaction_validity", "TransactionSource"] },
);
export { unit };
