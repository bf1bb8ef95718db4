import { OverlayedExternalities, type StateBackend } from "@darwin/pallets/support";
import { fromHex, toHex } from "@darwin/scale";
import { type AppliedChanges, applyChanges, type TrieNodeStore } from "@darwin/trie";

/**
 * The externalities one runtime call runs on: an overlay over a block's state (the trie at
 * `parentRoot`). Computing the storage root applies the overlay to the trie and keeps the new nodes,
 * so committing the block needs no second pass.
 */
export class BlockState {
  readonly ext: OverlayedExternalities;
  readonly parentRoot: Uint8Array;
  private applied: { changes: Map<string, Uint8Array | null>; result: AppliedChanges } | undefined;

  constructor(backend: StateBackend, parentRoot: Uint8Array, store: TrieNodeStore) {
    this.parentRoot = parentRoot;
    this.ext = new OverlayedExternalities(memoizeReads(backend), (_backend, changes) => {
      const result = applyChanges(
        store,
        parentRoot,
        [...changes].map(([k, v]) => [fromHex(k), v] as const),
      );
      this.applied = { changes: new Map(changes), result };
      return result.root;
    });
  }

  /** The new root and the trie nodes to persist (computes the root if the runtime did not). */
  commitData(): {
    root: Uint8Array;
    nodes: Map<string, Uint8Array>;
    changes: Map<string, Uint8Array | null>;
  } {
    if (!this.applied) this.ext.storageRoot();
    const { changes, result } = this.applied!;
    return { root: result.root, nodes: result.inserted, changes };
  }
}

/**
 * The state under a block never changes, so a value read once is the value: a trie walk costs tens
 * of microseconds, a map hit well under one. The pool and the Ethereum RPC keep one `BlockState` per
 * best block and read the same accounts, code and parameters for every submission.
 */
function memoizeReads(backend: StateBackend): StateBackend {
  const values = new Map<string, Uint8Array | undefined>();
  return {
    get(key) {
      const k = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
      if (values.has(k)) return values.get(k);
      const v = backend.get(key);
      values.set(k, v);
      return v;
    },
    nextKey: (key) => backend.nextKey(key),
  };
}

export function hexKey(key: Uint8Array): string {
  return toHex(key);
}
