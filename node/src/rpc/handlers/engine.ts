import { toHex } from "@darwin/scale";
import { RpcError, type RpcMethodTable } from "../server/index.ts";
import type { RpcDeps } from "./deps.ts";
import { hexParam } from "./util.ts";

/** Frontier's manual-seal RPC: `engine_createBlock` and `engine_finalizeBlock`. */
export function engineMethods(d: RpcDeps): RpcMethodTable {
  const producer = () => {
    if (!d.producer) throw new RpcError(-32601, "Method not found: this node does not author blocks");
    return d.producer;
  };
  return {
    engine_createBlock: {
      unsafe: true,
      handler: async (params) => {
        if (typeof params[0] !== "boolean" || typeof params[1] !== "boolean") {
          throw RpcError.invalidParams("expected (createEmpty: bool, finalize: bool, parentHash?)");
        }
        const parentHash = hexParam(params[2], "parentHash", { length: 32, optional: true });
        let created: { hash: Uint8Array; number: number } | undefined;
        try {
          created = await producer().createBlock({
            createEmpty: params[0],
            finalize: params[1],
            ...(parentHash ? { parentHash } : {}),
          });
        } catch (err) {
          throw new RpcError(-32000, (err as Error).message);
        }
        if (!created) throw new RpcError(-32000, "no transactions to include and createEmpty is false");
        return { hash: toHex(created.hash), aux: { header_only: false, size: 0 }, proof_size: null };
      },
    },
    engine_finalizeBlock: {
      unsafe: true,
      handler: async (params) => {
        const hash = hexParam(params[0], "hash", { length: 32 });
        try {
          await producer().finalizeBlock(hash);
        } catch (err) {
          throw new RpcError(-32000, (err as Error).message);
        }
        return true;
      },
    },
  };
}
