import { blake2_256 } from "@darwin/crypto";
import { metadataOf, RuntimeCallError, VERSION } from "@darwin/runtime-spec";
import { bytesEqual, toHex } from "@darwin/scale";
import { readProof } from "@darwin/trie";
import { ChainError } from "../../chain/chain.ts";
import { RpcError, type RpcMethodTable } from "../server/index.ts";
import type { RpcDeps } from "./deps.ts";
import { hexParam, numberParam } from "./util.ts";

const MAX_KEYS_PAGE = 1000;

export function runtimeVersionJson() {
  return {
    specName: VERSION.specName,
    implName: VERSION.implName,
    authoringVersion: VERSION.authoringVersion,
    specVersion: VERSION.specVersion,
    implVersion: VERSION.implVersion,
    apis: VERSION.apis.map(([id, v]) => [toHex(id), v]),
    transactionVersion: VERSION.transactionVersion,
    systemVersion: VERSION.systemVersion,
    stateVersion: 1,
  };
}

/** `state_*`: storage reads at any retained block, runtime calls, metadata, proofs, subscriptions. */
export function stateMethods(d: RpcDeps): RpcMethodTable {
  const { chain } = d;
  const at = (v: unknown) => {
    const hash = hexParam(v, "block hash", { length: 32, optional: true });
    try {
      return chain.resolveAt(hash);
    } catch (err) {
      if (err instanceof ChainError) throw new RpcError(4003, `Client error: ${err.message}`);
      throw err;
    }
  };
  const readerAt = (v: unknown) => chain.db.stateAt(chain.headerOrThrow(at(v)).stateRoot);

  return {
    state_getRuntimeVersion: {
      handler: (params) => {
        at(params[0]);
        return runtimeVersionJson();
      },
    },
    chain_getRuntimeVersion: { aliasOf: "state_getRuntimeVersion" },
    state_getMetadata: {
      handler: (params) => {
        at(params[0]);
        return toHex(metadataOf(chain.runtime, 14));
      },
    },
    state_call: {
      handler: async (params) => {
        if (typeof params[0] !== "string") throw RpcError.invalidParams("method must be a string");
        // Some clients send no data (or "") for calls without arguments.
        const data =
          params[1] === ""
            ? new Uint8Array()
            : (hexParam(params[1], "data", { optional: true }) ?? new Uint8Array());
        try {
          return toHex(await chain.call(params[0], data, at(params[2])));
        } catch (err) {
          if (err instanceof RuntimeCallError)
            throw new RpcError(4003, `Client error: Execution failed: ${err.message}`);
          throw err;
        }
      },
    },
    state_callAt: { aliasOf: "state_call" },
    state_getStorage: {
      handler: (params) => {
        const key = hexParam(params[0], "key", {});
        const v = readerAt(params[1]).get(key);
        return v === undefined ? null : toHex(v);
      },
    },
    state_getStorageAt: { aliasOf: "state_getStorage" },
    state_getStorageHash: {
      handler: (params) => {
        const v = readerAt(params[1]).get(hexParam(params[0], "key", {}));
        return v === undefined ? null : toHex(blake2_256(v));
      },
    },
    state_getStorageHashAt: { aliasOf: "state_getStorageHash" },
    state_getStorageSize: {
      handler: (params) => {
        const v = readerAt(params[1]).get(hexParam(params[0], "key", {}));
        return v === undefined ? null : v.length;
      },
    },
    state_getStorageSizeAt: { aliasOf: "state_getStorageSize" },
    state_getKeysPaged: {
      handler: (params) => {
        const prefix = hexParam(params[0], "prefix", {});
        const count = numberParam(params[1], "count");
        if (count > MAX_KEYS_PAGE)
          throw RpcError.invalidParams(`count exceeds the maximum of ${MAX_KEYS_PAGE}`);
        const start = hexParam(params[2], "startKey", { optional: true });
        return readerAt(params[3]).keysPaged(prefix, count, start).map(toHex);
      },
    },
    state_getKeysPagedAt: { aliasOf: "state_getKeysPaged" },
    state_getKeys: {
      unsafe: true,
      handler: (params) => {
        const prefix = hexParam(params[0], "prefix", {});
        return readerAt(params[1]).keysPaged(prefix, 100_000).map(toHex);
      },
    },
    state_queryStorageAt: {
      handler: (params) => {
        if (!Array.isArray(params[0])) throw RpcError.invalidParams("keys must be an array");
        const hash = at(params[1]);
        const reader = chain.db.stateAt(chain.headerOrThrow(hash).stateRoot);
        const changes = params[0].map((k, i) => {
          const key = hexParam(k, `keys[${i}]`, {});
          const v = reader.get(key);
          return [toHex(key), v === undefined ? null : toHex(v)];
        });
        return [{ block: toHex(hash), changes }];
      },
    },
    state_getReadProof: {
      handler: (params) => {
        if (!Array.isArray(params[0])) throw RpcError.invalidParams("keys must be an array");
        const hash = at(params[1]);
        const keys = params[0].map((k, i) => hexParam(k, `keys[${i}]`, {}));
        const proof = readProof(chain.db.nodeStore, chain.headerOrThrow(hash).stateRoot, keys);
        return { at: toHex(hash), proof: proof.map(toHex) };
      },
    },
    state_subscribeRuntimeVersion: {
      subscription: {
        notification: "state_runtimeVersion",
        unsubscribe: "state_unsubscribeRuntimeVersion",
        subscribe: (_p, _c, sink) => {
          sink.next(runtimeVersionJson());
          return () => {};
        },
      },
    },
    chain_subscribeRuntimeVersion: { aliasOf: "state_subscribeRuntimeVersion" },
    state_subscribeStorage: {
      subscription: {
        notification: "state_storage",
        unsubscribe: "state_unsubscribeStorage",
        subscribe: (params, _ctx, sink) => {
          const keys = Array.isArray(params[0])
            ? params[0].map((k, i) => hexParam(k, `keys[${i}]`, {}))
            : undefined;
          if (!keys)
            throw RpcError.invalidParams("subscribing to all storage changes is not supported; pass keys");
          let last = new Map<string, Uint8Array | undefined>();
          const send = (hash: Uint8Array, initial: boolean) => {
            const reader = chain.db.stateAt(chain.headerOrThrow(hash).stateRoot);
            const current: [string, string | null][] = [];
            const next = new Map<string, Uint8Array | undefined>();
            let anyChanged = initial;
            for (const key of keys) {
              const k = toHex(key);
              const v = reader.get(key);
              next.set(k, v);
              const prev = last.get(k);
              if ((prev === undefined) !== (v === undefined) || (prev && v && !bytesEqual(prev, v)))
                anyChanged = true;
              current.push([k, v === undefined ? null : toHex(v)]);
            }
            last = next;
            // Polkadot.js reads a key missing from a change set as "now empty", so a notification
            // carries every subscribed key with its current value, and is sent only when one changed.
            if (anyChanged) sink.next({ block: toHex(hash), changes: current });
          };
          send(chain.best().hash, true);
          const listener = (b: { hash: Uint8Array }) => send(b.hash, false);
          chain.on("best", listener);
          return () => {
            chain.off("best", listener);
          };
        },
      },
    },
    childstate_getKeys: { handler: () => [] },
    childstate_getKeysPaged: { handler: () => [] },
    childstate_getStorage: { handler: () => null },
    childstate_getStorageEntries: { handler: () => [] },
    childstate_getStorageHash: { handler: () => null },
    childstate_getStorageSize: { handler: () => null },
  };
}
