/**
 * The transaction pool (sc-transaction-pool's graph in TypeScript).
 *
 * Wiring, as the node does it (see txpool-bridge.ts):
 * - `validator.validate(xt, at, source)` runs `TaggedTransactionQueue_validate_transaction` with
 *   input `source(u8: InBlock 0, Local 1, External 2) ++ xt ++ at.hash` on the state of `at` and
 *   decodes `TransactionValidity`. Submissions pass the best block as `at`.
 * - After every imported block that became best: `onBlockImported({ hash, number, parentHash,
 *   extrinsicHashes, extrinsics })` (bodies let it prune tags of transactions it never saw).
 * - After every finalized block, in order: `onBlockFinalized(hash, extrinsicHashes)`.
 * - Block building: iterate `ready()`; on an apply error call `iterator.reportInvalid(hash)` so the
 *   transaction's dependents are skipped; afterwards `removeInvalid(hashes)` for the truly invalid
 *   ones (never for `ExhaustsResources` or `Future`).
 * - RPC: map a thrown `PoolError` with `poolErrorToRpc` (1010..1018 as Substrate).
 */
export { isPoolError, PoolError, type PoolErrorCode, poolErrorToRpc, validityText } from "./errors.ts";
export type {
  BlockRef,
  Clock,
  ImportedBlock,
  InvalidReason,
  PooledTx,
  PoolValidator,
  TransactionSource,
  TransactionValidityError,
  TxStatus,
  ValidationResult,
  ValidTransaction,
} from "./interface.ts";
export { defaultPoolOptions, type PoolOptions, PoolOptionsError, resolvePoolOptions } from "./options.ts";
export { createTransactionPool, type PoolModules, ReadyIterator, TransactionPool } from "./pool.ts";
export { isTerminal, TxWatcher } from "./watcher.ts";
