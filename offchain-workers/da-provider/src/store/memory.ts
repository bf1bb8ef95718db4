import { CID } from "multiformats/cid";
import { createMemoryNonceStore } from "../auth/verify.ts";
import type { BlockStore, PinRecord, PinStore, Storage } from "./types.ts";

/** Storage in Maps: the test layer's backend, and a reference for the lmdb one. */
export function createMemoryStorage(): Storage {
  const blocks = new Map<string, { cid: CID; bytes: Uint8Array }>();
  const pins = new Map<string, PinRecord>();
  const blockStore: BlockStore = {
    get: (cid) => blocks.get(cid.toString())?.bytes,
    has: (cid) => blocks.has(cid.toString()),
    put: async (cid, bytes) => {
      blocks.set(cid.toString(), { cid, bytes: bytes.slice() });
    },
    delete: async (cid) => {
      blocks.delete(cid.toString());
    },
    cids: () => [...blocks.values()].map((b) => b.cid),
    count: () => blocks.size,
  };
  const pinStore: PinStore = {
    get: (owner, root) => pins.get(`${owner}/${root}`),
    put: async (record) => {
      pins.set(`${record.owner}/${record.root}`, record);
    },
    delete: async (owner, root) => pins.delete(`${owner}/${root}`),
    ofOwner: (owner) => [...pins.values()].filter((p) => p.owner === owner),
    all: () => [...pins.values()],
  };
  return {
    blocks: blockStore,
    pins: pinStore,
    nonces: createMemoryNonceStore(),
    close: async () => undefined,
  };
}

export { CID };
