export {
  bytesToNibbles,
  type ChildRef,
  DecodedNode,
  decodeNode,
  EMPTY_NODE,
  encodeBranch,
  encodeLeaf,
  HASH_LENGTH,
  type NodeValue,
  nibblesToBytes,
} from "./codec.ts";
export { TrieError, type TrieErrorCode } from "./errors.ts";
export { blake2_256, bytesEqual, compareBytes, EMPTY_ROOT, fromHex, toHex } from "./hash.ts";
export { proofKey, readProof, verifyProof } from "./proof.ts";
export {
  type AppliedChanges,
  applyChanges,
  buildTrie,
  loadNode,
  lookupValue,
  rootOf,
  type TrieChange,
  type TrieLayout,
  type TrieNodeStore,
  trieEntriesWithPrefix,
  trieGet,
  trieKeysWithPrefix,
  trieNextKey,
  VALUE_NODE_THRESHOLD,
} from "./trie.ts";
