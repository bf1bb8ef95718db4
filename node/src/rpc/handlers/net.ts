import type { EthDeps } from "../../eth/context.ts";
import type { RpcMethodTable } from "../server/index.ts";

/** `net_*`: the network id is the EVM chain id, as on Frontier chains. */
export function netMethods(d: EthDeps, peers: () => number): RpcMethodTable {
  return {
    net_version: { handler: () => d.chain.runtime.pallets.frontier.chainId.toString() },
    net_listening: { handler: () => true },
    net_peerCount: { handler: () => `0x${peers().toString(16)}` },
  };
}
