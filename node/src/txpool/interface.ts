/**
 * The transaction pool's view of the runtime, in the runtime's own shapes
 * (`sp_runtime::transaction_validity`). Declared here structurally so the pool depends on the
 * `TaggedTransactionQueue` API's result and not on the runtime package.
 */

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
  | "BadSigner"
  | "IndeterminateImplicit"
  | "UnknownOrigin"
  | "Custom";

export type TransactionValidityError =
  | {
      readonly type: "Invalid";
      readonly value: { readonly type: InvalidReason; readonly value?: number };
    }
  | {
      readonly type: "Unknown";
      readonly value: {
        readonly type: "CannotLookup" | "NoUnsignedValidator" | "Custom";
        readonly value?: number;
      };
    };

export interface ValidTransaction {
  /** Higher is better; for signed transfers the runtime derives it from the tip. */
  readonly priority: bigint;
  /** Tags that must be provided (by ready transactions or by the chain) before this one can go in. */
  readonly requires: readonly Uint8Array[];
  /** Tags this transaction provides; two transactions providing the same tag are mutually exclusive. */
  readonly provides: readonly Uint8Array[];
  /** Number of blocks after the validation block for which the validity holds. */
  readonly longevity: bigint;
  readonly propagate: boolean;
}

export type TransactionSource = "External" | "Local" | "InBlock";

export type ValidationResult = { readonly ok: ValidTransaction } | { readonly err: TransactionValidityError };

/** A block the pool validates against or reacts to. */
export interface BlockRef {
  readonly hash: Uint8Array;
  readonly number: number;
}

/** Runs `TaggedTransactionQueue_validate_transaction` at a block; implemented by the node over the runtime. */
export interface PoolValidator {
  validate(xt: Uint8Array, at: BlockRef, source: TransactionSource): Promise<ValidationResult>;
}

export interface Clock {
  /** Milliseconds; only differences matter (bans, future-queue age). */
  now(): number;
}

/** A transaction as the pool holds it. Treat as read-only. */
export interface PooledTx {
  readonly hash: Uint8Array;
  /** `0x`-prefixed hex of `hash`, the key of every index in the pool. */
  readonly hashHex: `0x${string}`;
  readonly data: Uint8Array;
  readonly bytes: number;
  readonly priority: bigint;
  readonly requires: readonly Uint8Array[];
  readonly provides: readonly Uint8Array[];
  readonly longevity: bigint;
  readonly propagate: boolean;
  readonly source: TransactionSource;
  /** Last block number (inclusive) at which the transaction is still valid. */
  readonly validTill: number;
  /** Monotonic import order; breaks priority ties (older first for inclusion). */
  readonly insertionId: number;
  /** Clock time of the first import. */
  readonly importedAt: number;
}

/** Status updates of a watched transaction, as `author_extrinsicUpdate` carries them on the wire. */
export type TxStatus =
  | "future"
  | "ready"
  | { readonly broadcast: string[] }
  | { readonly inBlock: `0x${string}` }
  | { readonly retracted: `0x${string}` }
  | { readonly finalityTimeout: `0x${string}` }
  | { readonly finalized: `0x${string}` }
  | { readonly usurped: `0x${string}` }
  | "dropped"
  | "invalid";

/** A block as the pool needs to see it after import. */
export interface ImportedBlock extends BlockRef {
  readonly parentHash?: Uint8Array;
  /** blake2-256 of each extrinsic in the block, in block order. */
  readonly extrinsicHashes: readonly Uint8Array[];
  /**
   * The extrinsics themselves, aligned with `extrinsicHashes`. Optional: when given, extrinsics the
   * pool did not know are validated at `parentHash` to learn the tags they consumed (as Substrate
   * does), so conflicting pool transactions are evicted at once instead of by revalidation.
   */
  readonly extrinsics?: readonly Uint8Array[];
}
