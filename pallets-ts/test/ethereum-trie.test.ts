import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { describe, expect, it } from "vitest";
import { orderedTrieRoot } from "../src/ethereum/trie.ts";

async function reference(items: readonly Uint8Array[]): Promise<Uint8Array> {
  const trie = new MerklePatriciaTrie();
  for (const [i, v] of items.entries()) await trie.put(RLP.encode(i), v);
  return trie.root();
}

describe("orderedTrieRoot", () => {
  it("matches ethereumjs's Merkle-Patricia trie for empty, small, inlined and large lists", async () => {
    const sizes = [0, 1, 2, 3, 16, 17, 127, 128, 129, 300];
    for (const n of sizes) {
      const items = Array.from({ length: n }, (_, i) =>
        i % 7 === 0 ? new Uint8Array([i & 0xff]) : new Uint8Array(40 + (i % 50)).fill(i & 0xff),
      );
      expect(Buffer.from(orderedTrieRoot(items)).toString("hex"), `n=${n}`).toBe(
        Buffer.from(await reference(items)).toString("hex"),
      );
    }
  });
});
