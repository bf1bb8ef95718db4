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
  type StatePruning,
  type StateReader,
} from "./chain-db.ts";
export { LruCache } from "./node-cache.ts";
