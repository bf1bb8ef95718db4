import type { EthDeps } from "../../eth/context.ts";
import { mergeTables, type RpcMethodTable, rpcMethods } from "../server/index.ts";
import { authorMethods } from "./author.ts";
import { chainMethods } from "./chain.ts";
import { debugMethods } from "./debug.ts";
import type { RpcDeps } from "./deps.ts";
import { engineMethods } from "./engine.ts";
import { ethMethods } from "./eth.ts";
import { ethFilterMethods } from "./eth-filter.ts";
import { netMethods } from "./net.ts";
import { paymentMethods } from "./payment.ts";
import { stateMethods } from "./state.ts";
import { systemMethods } from "./system.ts";
import { txpoolMethods } from "./txpool.ts";
import { web3Methods } from "./web3.ts";

export type { PoolApi, RpcDeps, TxStatus } from "./deps.ts";

/**
 * Every Substrate namespace the node serves, the Ethereum ones (`eth`, `net`, `web3`, `txpool`) when
 * `eth` is given, plus `rpc_methods` derived from the table itself.
 */
export function substrateMethods(d: RpcDeps, policy: "safe" | "unsafe", eth?: EthDeps): RpcMethodTable {
  const table = mergeTables(
    systemMethods(d),
    chainMethods(d),
    stateMethods(d),
    authorMethods(d),
    paymentMethods(d),
    engineMethods(d),
    ...(eth
      ? [
          ethMethods(eth),
          ethFilterMethods(eth),
          netMethods(eth, d.peers),
          web3Methods(eth),
          txpoolMethods(eth),
          debugMethods(eth),
        ]
      : []),
  );
  table.rpc_methods = { handler: () => rpcMethods(table, policy) };
  return table;
}
