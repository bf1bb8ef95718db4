export {
  type BlockInfo,
  type BlockPointer,
  type ChainDb,
  type ChainDbModules,
  type ChainDbOpts,
  type CommitBlockInput,
  chainDbPath,
  DB_VERSION,
  DbError,
  type DbErrorCode,
  openChainDb,
  openStateView,
  type StatePruning,
  type StateReader,
  type StateView,
  type StateViewOpts,
} from "./chain-db.ts";
export { LruCache } from "./node-cache.ts";
