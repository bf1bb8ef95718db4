import { mkdirSync } from "node:fs";
import { open } from "lmdb";
import { CID } from "multiformats/cid";
import type { NonceStore } from "../auth/verify.ts";
import type { BlockStore, PinRecord, PinStore, Storage } from "./types.ts";

export interface LmdbStorageOpts {
  /** Folder of the provider's repository; created if missing. */
  readonly path: string;
}

/**
 * Storage in one lmdb environment with three databases: `blocks` (CID bytes -> block bytes),
 * `pins` (`owner/root` -> PinRecord) and `nonces` (`owner/nonce` -> expiry). lmdb commits atomically
 * and survives a crash, so pins and quotas are exactly what they were after a restart.
 */
export function openLmdbStorage(opts: LmdbStorageOpts): Storage {
  mkdirSync(opts.path, { recursive: true });
  const env = open({ path: opts.path, maxDbs: 8, compression: false });
  const blocksDb = env.openDB<Uint8Array, Uint8Array>({
    name: "blocks",
    encoding: "binary",
    keyEncoding: "binary",
  });
  const pinsDb = env.openDB<PinRecord, string>({ name: "pins", encoding: "msgpack" });
  const noncesDb = env.openDB<number, string>({ name: "nonces", encoding: "msgpack" });

  const blocks: BlockStore = {
    get: (cid) => {
      const value = blocksDb.get(cid.bytes);
      return value === undefined
        ? undefined
        : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    },
    has: (cid) => blocksDb.doesExist(cid.bytes),
    put: async (cid, bytes) => {
      await blocksDb.put(cid.bytes, bytes);
    },
    delete: async (cid) => {
      await blocksDb.remove(cid.bytes);
    },
    *cids() {
      for (const key of blocksDb.getKeys()) yield CID.decode(new Uint8Array(key));
    },
    count: () => blocksDb.getCount(),
  };

  const pins: PinStore = {
    get: (owner, root) => pinsDb.get(`${owner}/${root}`),
    put: async (record) => {
      await pinsDb.put(`${record.owner}/${record.root}`, record);
    },
    delete: async (owner, root) => pinsDb.remove(`${owner}/${root}`),
    ofOwner: (owner) => [...pinsDb.getRange({ start: `${owner}/`, end: `${owner}0` })].map((e) => e.value),
    *all() {
      for (const entry of pinsDb.getRange()) yield entry.value;
    },
  };

  const nonces: NonceStore = {
    claim: (owner, nonce, expiresAtMs) => {
      const key = `${owner}/${nonce}`;
      // Synchronous check-and-set: no other request can run between the read and the write.
      if (noncesDb.get(key) !== undefined) return false;
      noncesDb.putSync(key, expiresAtMs);
      return true;
    },
    prune: (nowMs) => {
      let removed = 0;
      for (const { key, value } of noncesDb.getRange()) {
        if (value < nowMs) {
          noncesDb.removeSync(key);
          removed++;
        }
      }
      return removed;
    },
  };

  return {
    blocks,
    pins,
    nonces,
    close: async () => {
      await env.close();
    },
  };
}
