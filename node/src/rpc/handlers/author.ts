import { session } from "@darwin/pallets";
import { decodeExtrinsic, type TransactionValidityError } from "@darwin/runtime-spec";
import { encode, toHex } from "@darwin/scale";
import { RpcError, RpcErrorCode, type RpcMethodTable } from "../server/index.ts";
import type { RpcDeps } from "./deps.ts";
import { hexParam } from "./util.ts";

/** A pool rejection carries the runtime's validity error; Substrate answers 1010/1011 with it. */
export interface ValidityCarrier {
  readonly validity?: TransactionValidityError;
  readonly code?: string;
  readonly message: string;
}

const INVALID_MESSAGES: Record<string, string> = {
  Call: "Transaction call is not expected",
  Payment: "Inability to pay some fees (e.g. account balance too low)",
  Future: "Transaction will be valid in the future",
  Stale: "Transaction is outdated",
  BadProof: "Transaction has a bad signature",
  AncientBirthBlock: "Transaction has an ancient birth block",
  ExhaustsResources: "Transaction would exhaust the block limits",
  BadMandatory: "A call was labelled as mandatory, but resulted in an Error.",
  MandatoryValidation: "Transaction dispatch is mandatory; transactions must not be validated.",
  BadSigner: "Invalid signing address",
};

/** Maps a pool error to the JSON-RPC error Polkadot.js expects (1010 "Invalid Transaction"). */
export function poolErrorToRpc(err: unknown): RpcError {
  const e = err as ValidityCarrier;
  if (e?.validity) {
    const v = e.validity;
    const reason = v.value.type;
    if (v.type === "Invalid") {
      return new RpcError(
        RpcErrorCode.InvalidTransaction,
        "Invalid Transaction",
        INVALID_MESSAGES[reason] ?? reason,
      );
    }
    return new RpcError(RpcErrorCode.UnknownTransactionValidity, "Unknown Transaction Validity", reason);
  }
  if (e?.code === "AlreadyImported") return new RpcError(1013, "Transaction Already Imported", e.message);
  if (e?.code === "TooLowPriority") return new RpcError(1014, "Priority is too low", e.message);
  if (e?.code === "TemporarilyBanned")
    return new RpcError(1012, "Transaction is temporarily banned", e.message);
  if (e?.code === "ImmediatelyDropped") return new RpcError(1016, "Immediately Dropped", e.message);
  return RpcError.internal(e?.message ?? String(err));
}

/** `author_*`: transaction submission and watching, pending extrinsics, session keys. */
export function authorMethods(d: RpcDeps): RpcMethodTable {
  const decodeOrReject = (bytes: Uint8Array) => {
    try {
      decodeExtrinsic(d.chain.runtime.composed.callCodec, bytes);
    } catch (err) {
      throw new RpcError(
        RpcErrorCode.InvalidTransaction,
        "Invalid Transaction",
        `Could not decode the extrinsic: ${(err as Error).message}`,
      );
    }
  };
  return {
    author_submitExtrinsic: {
      handler: async (params) => {
        const bytes = hexParam(params[0], "extrinsic", {});
        decodeOrReject(bytes);
        try {
          return toHex(await d.pool.submit(bytes));
        } catch (err) {
          throw poolErrorToRpc(err);
        }
      },
    },
    author_submitAndWatchExtrinsic: {
      subscription: {
        notification: "author_extrinsicUpdate",
        unsubscribe: "author_unwatchExtrinsic",
        subscribe: async (params, _ctx, sink) => {
          const bytes = hexParam(params[0], "extrinsic", {});
          decodeOrReject(bytes);
          try {
            const { unwatch } = await d.pool.submitAndWatch(bytes, (status) => {
              sink.next(status);
              if (
                status === "dropped" ||
                status === "invalid" ||
                (typeof status === "object" &&
                  ("finalized" in status || "usurped" in status || "finalityTimeout" in status))
              ) {
                sink.complete();
              }
            });
            return unwatch;
          } catch (err) {
            throw poolErrorToRpc(err);
          }
        },
      },
    },
    author_pendingExtrinsics: { handler: () => d.pool.pending().map(toHex) },
    author_removeExtrinsic: {
      unsafe: true,
      handler: (params) => {
        if (!Array.isArray(params[0])) throw RpcError.invalidParams("expected an array of extrinsic hashes");
        const hashes = params[0].map((h, i) => {
          const v = (h as { hash?: unknown })?.hash ?? h;
          return hexParam(v, `hashes[${i}]`, { length: 32 });
        });
        d.pool.remove(hashes);
        return hashes.map(toHex);
      },
    },
    author_rotateKeys: {
      unsafe: true,
      handler: () => {
        const aura = d.keystore.generate("aura");
        const gran = d.keystore.generate("gran");
        return toHex(encode(session.SessionKeysCodec, { aura: aura.publicKey, grandpa: gran.publicKey }));
      },
    },
    author_insertKey: {
      unsafe: true,
      handler: (params) => {
        if (typeof params[0] !== "string" || typeof params[1] !== "string") {
          throw RpcError.invalidParams("expected (keyType, suri, publicKey)");
        }
        const pub = hexParam(params[2], "publicKey", { optional: true });
        try {
          d.keystore.insert(params[0], params[1], pub);
        } catch (err) {
          throw RpcError.invalidParams((err as Error).message);
        }
        return null;
      },
    },
    author_hasKey: {
      unsafe: true,
      handler: (params) => {
        const pub = hexParam(params[0], "publicKey", {});
        if (typeof params[1] !== "string") throw RpcError.invalidParams("keyType must be a string");
        return d.keystore.has(params[1], pub);
      },
    },
    author_hasSessionKeys: {
      unsafe: true,
      handler: (params) => {
        const raw = hexParam(params[0], "sessionKeys", {});
        if (raw.length !== 64) return false;
        return d.keystore.has("aura", raw.subarray(0, 32)) && d.keystore.has("gran", raw.subarray(32));
      },
    },
  };
}
