export { type ActiveSubscription, newSubscriptionId, RpcDispatcher, type RpcSession } from "./dispatch.ts";
export { isRpcError, RpcError, RpcErrorCode, type RpcErrorObject } from "./errors.ts";
export { createRpcMetrics, type RpcMetrics } from "./metrics.ts";
export {
  createRpcServer,
  type NodeHealth,
  RPC_DEFAULTS,
  type RpcCors,
  type RpcServer,
  type RpcServerModules,
  type RpcServerOpts,
} from "./server.ts";
export {
  isSubscriptionMethod,
  mergeTables,
  type ResolvedMethod,
  RpcTableError,
  resolveTable,
  rpcMethods,
} from "./table.ts";
export type {
  RpcAliasMethod,
  RpcCallContext,
  RpcCallMethod,
  RpcMethod,
  RpcMethodsPolicy,
  RpcMethodTable,
  RpcSubscriptionMethod,
  RpcTransport,
  SubscriptionSink,
  Unsubscribe,
} from "./types.ts";
