import { keccak256 } from "@darwin/crypto";
import { RLP } from "@ethereumjs/rlp";

type Nested = Uint8Array | Nested[];

function nibblesOf(key: Uint8Array): number[] {
  const out: number[] = [];
  for (const b of key) out.push(b >> 4, b & 0x0f);
  return out;
}

/** Hex-prefix encoding of a nibble path (Yellow Paper appendix C). */
function hexPrefix(path: readonly number[], leaf: boolean): Uint8Array {
  const odd = path.length % 2;
  const out = new Uint8Array(Math.floor(path.length / 2) + 1);
  out[0] = ((leaf ? 2 : 0) + odd) << 4;
  let i = 0;
  if (odd) out[0]! |= path[i++]!;
  for (let j = 1; i < path.length; i += 2, j++) out[j] = (path[i]! << 4) | path[i + 1]!;
  return out;
}

/** A child reference: nodes under 32 bytes of RLP are inlined, others by their keccak hash. */
function ref(node: Nested): Nested {
  const enc = RLP.encode(node);
  return enc.length < 32 ? node : keccak256(enc);
}

function build(items: readonly (readonly [number[], Uint8Array])[], depth: number): Nested {
  if (items.length === 1) {
    const [path, value] = items[0]!;
    return [hexPrefix(path.slice(depth), true), value];
  }
  // The longest path all items share below `depth` becomes an extension.
  const first = items[0]![0];
  let shared = 0;
  for (;;) {
    const n = first[depth + shared];
    if (n === undefined || !items.every(([p]) => p[depth + shared] === n)) break;
    shared++;
  }
  if (shared > 0)
    return [hexPrefix(first.slice(depth, depth + shared), false), ref(build(items, depth + shared))];
  const branch: Nested[] = Array.from({ length: 17 }, () => new Uint8Array(0));
  for (let nibble = 0; nibble < 16; nibble++) {
    const group = items.filter(([p]) => p[depth] === nibble);
    if (group.length > 0) branch[nibble] = ref(build(group, depth + 1));
  }
  const ending = items.find(([p]) => p.length === depth);
  if (ending) branch[16] = ending[1];
  return branch;
}

/**
 * The root of the Ethereum Merkle-Patricia trie mapping `rlp(index)` to each item: the
 * transactions and receipts roots of a block header, built in memory in one pass.
 */
export function orderedTrieRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return keccak256(RLP.encode(new Uint8Array(0)));
  const entries = items.map((v, i) => [nibblesOf(RLP.encode(i)), v] as const);
  return keccak256(RLP.encode(build(entries, 0)));
}
