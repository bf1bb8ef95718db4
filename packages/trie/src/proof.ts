import { TrieError } from "./errors.ts";
import { blake2_256, compareBytes, toHex } from "./hash.ts";
import { lookupValue, type TrieNodeStore, trieGet } from "./trie.ts";

/**
 * The nodes a reader needs to look `keys` up in the trie at `root` (absent keys included: the
 * nodes proving absence), plus hashed value nodes. Sorted by bytes and de-duplicated, as
 * Substrate's `StorageProof` (a BTreeSet) is, which is what `state_getReadProof` returns.
 */
export function readProof(store: TrieNodeStore, root: Uint8Array, keys: Iterable<Uint8Array>): Uint8Array[] {
  const seen = new Map<string, Uint8Array>();
  const recording: TrieNodeStore = {
    get(hash) {
      const bytes = store.get(hash);
      if (bytes !== undefined) seen.set(toHex(hash), bytes);
      return bytes;
    },
  };
  for (const key of keys) {
    const value = lookupValue(recording, root, key);
    if (value?.kind === "hashed") recording.get(value.hash);
  }
  return [...seen.values()].sort(compareBytes);
}

/**
 * Checks `keys` against `root` using only `proof`: each key maps (by lowercase hex without 0x) to
 * its value or undefined when the proof shows it absent. Throws `TrieError` INCOMPLETE_PROOF when
 * the proof lacks a node needed for some key (a forged or truncated proof never yields an answer).
 */
export function verifyProof(
  root: Uint8Array,
  proof: Iterable<Uint8Array>,
  keys: Iterable<Uint8Array>,
): Map<string, Uint8Array | undefined> {
  const byHash = new Map<string, Uint8Array>();
  for (const node of proof) byHash.set(toHex(blake2_256(node)), node);
  const store: TrieNodeStore = { get: (hash) => byHash.get(toHex(hash)) };
  const out = new Map<string, Uint8Array | undefined>();
  for (const key of keys) {
    try {
      out.set(toHex(key), trieGet(store, root, key));
    } catch (err) {
      if (err instanceof TrieError && err.code === "MISSING_NODE") {
        throw new TrieError("INCOMPLETE_PROOF", `proof does not cover key 0x${toHex(key)}: ${err.message}`);
      }
      throw err;
    }
  }
  return out;
}

/** Hex keys of `keys` as `verifyProof` reports them. */
export function proofKey(key: Uint8Array): string {
  return toHex(key);
}
