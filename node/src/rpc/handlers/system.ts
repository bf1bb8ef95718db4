import { system } from "@darwin/pallets";
import type { RpcMethodTable } from "../server/index.ts";
import type { RpcDeps } from "./deps.ts";
import { hexParam } from "./util.ts";

/** `system_*`: node identity, chain identity, health, peers, sync state, next account index. */
export function systemMethods(d: RpcDeps): RpcMethodTable {
  const chainType = d.chain.spec.chainType;
  return {
    system_name: { handler: () => d.nodeName },
    system_version: { handler: () => d.nodeVersion },
    system_chain: { handler: () => d.chain.spec.name },
    system_chainType: { handler: () => chainType },
    system_properties: { handler: () => d.chain.spec.properties },
    system_health: {
      handler: () => ({ peers: d.peers(), isSyncing: false, shouldHavePeers: chainType !== "Development" }),
    },
    system_peers: { handler: () => [], unsafe: true },
    system_localPeerId: { handler: () => d.peerId },
    system_localListenAddresses: { handler: () => [] },
    system_nodeRoles: { handler: () => d.roles },
    system_syncState: {
      handler: () => {
        const best = d.chain.best().number;
        return { startingBlock: 0, currentBlock: best, highestBlock: best };
      },
    },
    system_accountNextIndex: {
      handler: (params) => {
        const who = hexParam(params[0], "account", { length: 20 });
        const state = d.chain.stateAt(d.chain.best().hash);
        const onChain = system.Account.get(state.ext, who).nonce;
        return d.pool.nextNonce(who, onChain);
      },
    },
  };
}
