export type TrieErrorCode =
  /** A node the trie refers to is not in the store (pruned state, or a corrupt database). */
  | "MISSING_NODE"
  /** Bytes that are not a valid node encoding. */
  | "BAD_NODE"
  /** A key the codec cannot represent. */
  | "BAD_KEY"
  /** A proof lacks a node needed to answer for a key. */
  | "INCOMPLETE_PROOF";

export class TrieError extends Error {
  readonly code: TrieErrorCode;
  constructor(code: TrieErrorCode, message: string) {
    super(message);
    this.name = "TrieError";
    this.code = code;
  }
}
