import { mergeTables, type RpcMethodTable, rpcMethods } from "../server/index.ts";
import { authorMethods } from "./author.ts";
import { chainMethods } from "./chain.ts";
import type { RpcDeps } from "./deps.ts";
import { engineMethods } from "./engine.ts";
import { paymentMethods } from "./payment.ts";
import { stateMethods } from "./state.ts";
import { systemMethods } from "./system.ts";

export type { PoolApi, RpcDeps, TxStatus } from "./deps.ts";

/** Every Substrate namespace the node serves, plus `rpc_methods` derived from the table itself. */
export function substrateMethods(d: RpcDeps, policy: "safe" | "unsafe"): RpcMethodTable {
  const table = mergeTables(
    systemMethods(d),
    chainMethods(d),
    stateMethods(d),
    authorMethods(d),
    paymentMethods(d),
    engineMethods(d),
  );
  table.rpc_methods = { handler: () => rpcMethods(table, policy) };
  return table;
}
