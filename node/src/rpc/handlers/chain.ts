import type { Header } from "@darwin/pallets/support";
import { toHex } from "@darwin/scale";
import type { RpcMethodTable } from "../server/index.ts";
import type { RpcDeps } from "./deps.ts";
import { headerJson, hexParam, numberParam } from "./util.ts";

const FRNK = "0x46524e4b";

/** `chain_*`: headers, blocks, hashes and the three head subscriptions. */
export function chainMethods(d: RpcDeps): RpcMethodTable {
  const { chain } = d;
  const hashAt = (n: unknown) => {
    if (n === undefined || n === null) return toHex(chain.best().hash);
    const h = chain.hashAt(numberParam(n, "block number"));
    return h ? toHex(h) : null;
  };
  const headSubscription = (event: "best" | "imported" | "finalized", initial: () => Header) => ({
    subscribe: (_params: unknown[], _ctx: unknown, sink: { next(v: unknown): void }) => {
      sink.next(headerJson(initial()));
      const listener = (b: { header: Header }) => sink.next(headerJson(b.header));
      chain.on(event, listener);
      return () => {
        chain.off(event, listener);
      };
    },
  });
  return {
    chain_getBlockHash: {
      handler: (params) => (Array.isArray(params[0]) ? params[0].map(hashAt) : hashAt(params[0])),
    },
    chain_getHead: { aliasOf: "chain_getBlockHash" },
    chain_getFinalizedHead: { handler: () => toHex(chain.finalized().hash) },
    chain_getFinalisedHead: { aliasOf: "chain_getFinalizedHead" },
    chain_getHeader: {
      handler: (params) => {
        const at = hexParam(params[0], "hash", { length: 32, optional: true }) ?? chain.best().hash;
        const h = chain.header(at);
        return h ? headerJson(h) : null;
      },
    },
    chain_getBlock: {
      handler: (params) => {
        const at = hexParam(params[0], "hash", { length: 32, optional: true }) ?? chain.best().hash;
        const h = chain.header(at);
        const xts = chain.extrinsics(at);
        if (!h || !xts) return null;
        const just = chain.db.justification(at);
        return {
          block: { header: headerJson(h), extrinsics: xts.map(toHex) },
          justifications: just ? [[FRNK, toHex(just)]] : null,
        };
      },
    },
    // Polkadot.js calls the singular names; Substrate's plural ones are aliases.
    chain_subscribeNewHead: {
      subscription: {
        notification: "chain_newHead",
        unsubscribe: "chain_unsubscribeNewHead",
        ...headSubscription("best", () => chain.headerOrThrow(chain.best().hash)),
      },
    },
    chain_subscribeNewHeads: { aliasOf: "chain_subscribeNewHead" },
    subscribe_newHead: { aliasOf: "chain_subscribeNewHead" },
    chain_subscribeAllHeads: {
      subscription: {
        notification: "chain_allHead",
        unsubscribe: "chain_unsubscribeAllHeads",
        ...headSubscription("imported", () => chain.headerOrThrow(chain.best().hash)),
      },
    },
    chain_subscribeFinalizedHeads: {
      subscription: {
        notification: "chain_finalizedHead",
        unsubscribe: "chain_unsubscribeFinalizedHeads",
        ...headSubscription("finalized", () => chain.headerOrThrow(chain.finalized().hash)),
      },
    },
    chain_subscribeFinalisedHeads: { aliasOf: "chain_subscribeFinalizedHeads" },
  };
}
