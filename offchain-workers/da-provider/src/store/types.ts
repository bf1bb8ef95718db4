import type { CID } from "multiformats/cid";
import type { NonceStore } from "../auth/verify.ts";

/** Blocks by CID. Reads are synchronous (lmdb serves them from its memory map); writes are durable once awaited. */
export interface BlockStore {
  get(cid: CID): Uint8Array | undefined;
  has(cid: CID): boolean;
  put(cid: CID, bytes: Uint8Array): Promise<void>;
  delete(cid: CID): Promise<void>;
  /** Every stored CID, in key order. */
  cids(): Iterable<CID>;
  count(): number;
}

/** One owner's pin of one DAG. Owners pay quota for the bytes of the DAGs they pin. */
export interface PinRecord {
  readonly root: string;
  readonly owner: string;
  /** Sum of the byte lengths of the DAG's distinct blocks. */
  readonly bytes: number;
  readonly blocks: number;
  readonly createdAt: number;
}

export interface PinStore {
  get(owner: string, root: string): PinRecord | undefined;
  put(record: PinRecord): Promise<void>;
  delete(owner: string, root: string): Promise<boolean>;
  ofOwner(owner: string): PinRecord[];
  all(): Iterable<PinRecord>;
}

/** Everything a provider persists. */
export interface Storage {
  readonly blocks: BlockStore;
  readonly pins: PinStore;
  readonly nonces: NonceStore;
  close(): Promise<void>;
}
