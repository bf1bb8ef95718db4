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
