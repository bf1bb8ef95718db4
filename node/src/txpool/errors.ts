import type { TransactionValidityError } from "./interface.ts";

export type PoolErrorCode =
  /** The runtime said `Invalid(..)`; the transaction is banned for `banTimeMs`. */
  | "InvalidTransaction"
  /** The runtime said `Unknown(..)`: validity cannot be determined now; not banned. */
  | "UnknownTransaction"
  | "AlreadyImported"
  | "TemporarilyBanned"
  /** Another transaction provides the same tag with a priority at least as high. */
  | "TooLowPriority"
  /** The pool is full and this transaction is the one limit enforcement removes. */
  | "ImmediatelyDropped"
  | "CycleDetected"
  /** A valid transaction that provides no tag could never be ordered or deduplicated. */
  | "NoTagsProvided";

export class PoolError extends Error {
  readonly code: PoolErrorCode;
  /** Set for `InvalidTransaction` and `UnknownTransaction`. */
  readonly validity: TransactionValidityError | undefined;
  /** Set for `TooLowPriority`: the priority to beat and the offered one. */
  readonly priorities: { readonly old: bigint; readonly new: bigint } | undefined;

  constructor(
    code: PoolErrorCode,
    message: string,
    extra: { validity?: TransactionValidityError; priorities?: { old: bigint; new: bigint } } = {},
  ) {
    super(message);
    this.name = "PoolError";
    this.code = code;
    this.validity = extra.validity;
    this.priorities = extra.priorities;
  }

  static fromValidity(validity: TransactionValidityError): PoolError {
    return new PoolError(
      validity.type === "Invalid" ? "InvalidTransaction" : "UnknownTransaction",
      `${validity.type === "Invalid" ? "Invalid" : "Unknown"} transaction: ${validityText(validity)}`,
      { validity },
    );
  }
}

export function isPoolError(err: unknown): err is PoolError {
  return err instanceof PoolError;
}

/** Substrate's human texts for `InvalidTransaction`/`UnknownTransaction` (what Polkadot.js shows). */
export function validityText(validity: TransactionValidityError): string {
  const { type, value } = validity.value;
  if (validity.type === "Unknown") {
    switch (type) {
      case "CannotLookup":
        return "Could not lookup information required to validate the transaction";
      case "NoUnsignedValidator":
        return "Could not find an unsigned validator for the unsigned transaction";
      default:
        return `Unknown validity: Custom error: ${value ?? 0}`;
    }
  }
  switch (type) {
    case "Call":
      return "Transaction call is not expected";
    case "Payment":
      return "Inability to pay some fees (e.g. account balance too low)";
    case "Future":
      return "Transaction will be valid in the future";
    case "Stale":
      return "Transaction is outdated";
    case "BadProof":
      return "Transaction has a bad signature";
    case "AncientBirthBlock":
      return "Transaction has an ancient birth block";
    case "ExhaustsResources":
      return "Transaction would exhaust the block limits";
    case "BadMandatory":
      return "A call was labelled as mandatory, but resulted in an Error.";
    case "MandatoryValidation":
      return "Transaction dispatch is mandatory; transactions must not be validated.";
    case "BadSigner":
      return "Invalid signing address";
    case "IndeterminateImplicit":
      return "The implicit data was unable to be calculated";
    case "UnknownOrigin":
      return "The transaction extension did not authorize any origin";
    default:
      return `Custom error: ${value ?? 0}`;
  }
}

/**
 * The JSON-RPC error Substrate's `author_*` methods answer for a pool error
 * (sc-rpc-api author error codes 1010..1016), so clients see the messages they expect.
 */
export function poolErrorToRpc(err: PoolError): { code: number; message: string; data?: string } {
  switch (err.code) {
    case "InvalidTransaction":
      return { code: 1010, message: "Invalid Transaction", data: validityText(err.validity!) };
    case "UnknownTransaction":
      return { code: 1011, message: "Unknown Transaction Validity", data: validityText(err.validity!) };
    case "TemporarilyBanned":
      return { code: 1012, message: "Transaction is temporarily banned" };
    case "AlreadyImported":
      return { code: 1013, message: "Transaction Already Imported" };
    case "TooLowPriority":
      return {
        code: 1014,
        message: `Priority is too low: (${err.priorities?.old ?? 0n} vs ${err.priorities?.new ?? 0n})`,
        data: "The transaction has too low priority to replace another transaction already in the pool.",
      };
    case "CycleDetected":
      return { code: 1015, message: "Cycle Detected" };
    case "ImmediatelyDropped":
      return {
        code: 1016,
        message: "Immediately Dropped",
        data: "The transaction couldn't enter the pool because of the limit",
      };
    case "NoTagsProvided":
      return {
        code: 1018,
        message: "No tags provided",
        data: "Transaction does not provide any tags, so the pool can't identify it",
      };
  }
}
