import { blake2b } from "@noble/hashes/blake2.js";
import { describe, expect, it } from "vitest";
import {
  applyChanges,
  buildTrie,
  decodeNode,
  EMPTY_ROOT,
  encodeBranch,
  encodeLeaf,
  fromHex,
  readProof,
  rootOf,
  TrieError,
  type TrieNodeStore,
  toHex,
  trieEntriesWithPrefix,
  trieGet,
  trieKeysWithPrefix,
  trieNextKey,
  verifyProof,
} from "../src/index.ts";

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** An in-memory node store that also applies `inserted` sets (what the node's db does on disk). */
class MemoryStore implements TrieNodeStore {
  readonly nodes = new Map<string, Uint8Array>();
  get(hash: Uint8Array): Uint8Array | undefined {
    return this.nodes.get(toHex(hash));
  }
  add(inserted: Map<string, Uint8Array>): void {
    for (const [k, v] of inserted) this.nodes.set(k, v);
  }
}

// ---------------------------------------------------------------------------------------------
// A deliberately naive reference: builds the whole trie recursively from sorted entries with its
// own encoder. It shares no code with the package, so agreement checks both sides.

function naiveRoot(entries: Map<string, Uint8Array>, hashValues = true): string {
  const keys = [...entries.keys()].sort();
  if (keys.length === 0) return toHex(blake2b(Uint8Array.of(0), { dkLen: 32 }));
  const items = keys.map((k) => ({
    nibbles: [...Buffer.from(k, "hex")].flatMap((b) => [b >> 4, b & 15]),
    value: entries.get(k)!,
  }));
  const enc = build(items, 0, hashValues);
  return toHex(blake2b(enc, { dkLen: 32 }));
}

function compact(n: number): number[] {
  if (n < 64) return [n << 2];
  if (n < 1 << 14) return [((n << 2) | 1) & 255, (n << 2) >> 8];
  const v = ((n << 2) | 2) >>> 0;
  return [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];
}

function header(prefix: number, bits: number, count: number): number[] {
  const max = 255 >> bits;
  if (count < max) return [prefix + count];
  const out = [prefix + max];
  let rest = count - max;
  while (rest >= 255) {
    out.push(255);
    rest -= 255;
  }
  out.push(rest);
  return out;
}

function pack(nibbles: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  if (nibbles.length % 2 === 1) out.push(nibbles[i++]!);
  for (; i < nibbles.length; i += 2) out.push(nibbles[i]! * 16 + nibbles[i + 1]!);
  return out;
}

function build(
  items: Array<{ nibbles: number[]; value: Uint8Array }>,
  depth: number,
  hashValues: boolean,
): Uint8Array {
  // Longest common prefix of all keys below this node.
  const first = items[0]!.nibbles;
  let lcp = first.length - depth;
  for (const it of items) {
    let i = 0;
    while (i < lcp && it.nibbles[depth + i] === first[depth + i]) i++;
    lcp = i;
  }
  const partial = first.slice(depth, depth + lcp);
  const at = depth + lcp;
  const own = items.find((it) => it.nibbles.length === at);
  const rest = items.filter((it) => it.nibbles.length > at);
  const valueBytes = (v: Uint8Array): number[] =>
    hashValues && v.length >= 33 ? [...blake2b(v, { dkLen: 32 })] : [...compact(v.length), ...v];
  const hashed = own !== undefined && hashValues && own.value.length >= 33;
  if (rest.length === 0) {
    const h = hashed ? header(0x20, 3, partial.length) : header(0x40, 2, partial.length);
    return Uint8Array.from([...h, ...pack(partial), ...valueBytes(own!.value)]);
  }
  const h =
    own === undefined
      ? header(0x80, 2, partial.length)
      : hashed
        ? header(0x10, 4, partial.length)
        : header(0xc0, 2, partial.length);
  let bitmap = 0;
  const children: number[] = [];
  for (let n = 0; n < 16; n++) {
    const group = rest.filter((it) => it.nibbles[at] === n);
    if (group.length === 0) continue;
    bitmap |= 1 << n;
    const enc = build(group, at + 1, hashValues);
    const ref = enc.length >= 32 ? blake2b(enc, { dkLen: 32 }) : enc;
    children.push(...compact(ref.length), ...ref);
  }
  return Uint8Array.from([
    ...h,
    ...pack(partial),
    bitmap & 255,
    bitmap >> 8,
    ...(own === undefined ? [] : valueBytes(own.value)),
    ...children,
  ]);
}

// A small deterministic PRNG so failures reproduce.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(next: () => number, len: number, alphabet = 256): Uint8Array {
  return Uint8Array.from({ length: len }, () => Math.floor(next() * alphabet));
}

describe("codec", () => {
  it("has the empty root blake2_256(0x00)", () => {
    expect(toHex(EMPTY_ROOT)).toBe("03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314");
    expect(toHex(rootOf([]))).toBe(toHex(EMPTY_ROOT));
  });

  it("encodes a single leaf as sp-trie's codec_trie_single_tuple", () => {
    const { nodes, root } = buildTrie([[Uint8Array.of(0xaa), Uint8Array.of(0xbb)]]);
    expect([...nodes.values()].map(toHex)).toEqual(["42aa04bb"]);
    expect(toHex(root)).toBe(toHex(blake2b(fromHex("42aa04bb"), { dkLen: 32 })));
  });

  it("encodes a branch with inline leaves as sp-trie's codec_trie_two_tuples_disjoint_keys", () => {
    const { nodes } = buildTrie([
      [Uint8Array.of(0x48, 0x19), Uint8Array.of(0xfe)],
      [Uint8Array.of(0x13, 0x14), Uint8Array.of(0xff)],
    ]);
    // branch, bitmap slots 1 and 4, then two 5-byte inline leaves with 3 nibbles each.
    expect([...nodes.values()].map(toHex)).toEqual(["8012001443031404ff1443081904fe"]);
  });

  it("matches the Polkadot Host conformance roots (ext_trie_blake2_256_root)", () => {
    // w3f/polkadot-tests fixtures/host-api: three (key, value) pairs per case; a repeated key keeps
    // the last value.
    const kv1 = [
      "static",
      "Inverse",
      "function",
      "Horizontal",
      "Integrated",
      "portal",
      "non-based",
      "Monitored",
      "productivity",
      "secondary",
      "Exclusive",
      "next generation",
      "disintermediate",
      "Grass-roots",
      "contingency",
      "value-added",
      "human-resource",
      "Reactive",
      "Optional",
      "secondary",
    ];
    const kv2 = [
      "even-keeled",
      "Future-proofed",
      "Face to face",
      "Expanded",
      "budgetary management",
      "pricing structure",
      "non-volatile",
      "emulation",
      "Total",
      "Visionary",
      "concept",
      "approach",
      "policy",
      "function",
      "context-sensitive",
      "Configurable",
      "hardware",
      "Automated",
      "object-oriented",
      "toolset",
    ];
    const kv3 = [
      "static",
      "even-keeled",
      "function",
      "Face to face",
      "Integrated",
      "budgetary management",
      "non-based",
      "non-volatile",
      "productivity",
      "Total",
      "Exclusive",
      "concept",
      "disintermediate",
      "policy",
      "contingency",
      "context-sensitive",
      "human-resource",
      "hardware",
      "Optional",
      "object-oriented",
    ];
    const expected = [
      "1192e3ed48d28fba2eeae885fa367c535eca6a149eafad982265586902783d4f",
      "92aafcf31cc2012d7467fa96b47caa389762ef02e97c27c30484a7ffd4b3780e",
      "cbb9ff2393a9c8ce46f3592532f4c181339eedf979836e5d45b318633030a79e",
      "0ef6df228337099e666d402089c65e4c1d793ae0076dee4730baeb58404b0e16",
      "7ab4224ead96acf2282852d7bdfa71aac9c135ecb718024ff7fe15b19d4ab227",
      "ad2c33c6536d547f60a5947588e9bc953804a29b219a5692b7ed0e921d34c588",
      "c1029b1ceb237b33f1d1e99c82e8d00c687342ae373474d3d7f0ed0f3f278cd6",
      "cff475bc0c4aa0344ce0e0966415123ac4ef541122b1365be0884a3713c020cd",
      "b21b406c9f9c96bb84e2d890ec6d0212e5422f9098777f090cd9a90e510cf92c",
      "f81f2b3e8d50e95b706066afa4a9b07dfddeb89d1c3e8c4eb054d33a3de3b9bf",
    ];
    for (let i = 0; i < 10; i++) {
      const entries = [kv1, kv2, kv3].map((kv) => [utf8(kv[2 * i]!), utf8(kv[2 * i + 1]!)] as const);
      expect(toHex(rootOf(entries, { stateVersion: 0 })), `case ${i}`).toBe(expected[i]);
      expect(toHex(rootOf(entries, { stateVersion: 1 })), `case ${i}`).toBe(expected[i]);
    }
  });

  it("matches the Polkadot Host conformance roots (ext_trie_blake2_256_ordered_root)", () => {
    const v1 = [
      "static",
      "Inverse",
      "even-keeled",
      "Future-proofed",
      "function",
      "Horizontal",
      "Face to face",
      "Expanded",
      "Integrated",
      "portal",
    ];
    const v2 = [
      "even-keeled",
      "Face to face",
      "budgetary management",
      "non-volatile",
      "Total",
      "concept",
      "policy",
      "context-sensitive",
      "hardware",
      "object-oriented",
    ];
    const v3 = [
      "Future-proofed",
      "Expanded",
      "pricing structure",
      "emulation",
      "Visionary",
      "approach",
      "function",
      "Configurable",
      "Automated",
      "toolset",
    ];
    const expected = [
      "d847b86d0219a384d11458e829e9f4f4cce7e3cc2e6dcd0e8a6ad6f12c64a737",
      "ea32273c604a609a83979acc5dc5c19d91112967c5690d660684118fac03d087",
      "72b6aa1f07895b3276e215b192335b982268922f4e2973b3bab13102766a597c",
      "40f7e12565410189f5026d2d2c187fd60aa47cf943ae935cbda49e3b03fc1893",
      "f0b164f7a50de01338d0f0a8dae9e3806b72359e1b3bc9b38b1140172d1952a0",
      "922c3f9be4104e40daf22e249014ee0acd3e78870644cc131ce3107f6785e6c8",
      "652a6f8ecb5cf7f8ba6ba9390ba2bc2978d173c537954af52fcf6a1c72989cbf",
      "319fc284ac8e2d626ddec7b2e05948177ee2d8b3bb43820608e3faeab7c6e2b2",
      "aebac639ed629d66bdaae654454518b85274cf613e6100d1aa5c86996763ca11",
      "fd61ef3767be4899488dc3331726f3b9abaae1fc08532327631ece6198686e25",
    ];
    for (let i = 0; i < 10; i++) {
      // Ordered roots key each value by the SCALE compact encoding of its index.
      const entries = [v1[i]!, v2[i]!, v3[i]!].map(
        (v, index) => [Uint8Array.of(index << 2), utf8(v)] as const,
      );
      expect(toHex(rootOf(entries)), `case ${i}`).toBe(expected[i]);
    }
  });

  it("stores values of 33 bytes or more hashed under state version 1 only", () => {
    const key = Uint8Array.of(0x01, 0x02);
    const short = new Uint8Array(32).fill(7);
    const long = new Uint8Array(33).fill(7);
    const v1 = buildTrie([[key, long]]);
    const leaf = [...v1.nodes.entries()].find(([, n]) => n[0] === 0x24)!;
    expect(leaf).toBeDefined(); // 0b001 prefix, 4 nibbles
    expect(toHex(leaf[1].subarray(3))).toBe(toHex(blake2b(long, { dkLen: 32 })));
    expect(v1.nodes.get(toHex(blake2b(long, { dkLen: 32 })))).toEqual(long);
    const v0 = buildTrie([[key, long]], { stateVersion: 0 });
    expect(v0.nodes.size).toBe(1);
    expect(toHex(v0.root)).not.toBe(toHex(v1.root));
    expect(toHex(rootOf([[key, short]], { stateVersion: 0 }))).toBe(toHex(rootOf([[key, short]])));
    const store = new MemoryStore();
    store.add(v1.nodes);
    expect(trieGet(store, v1.root, key)).toEqual(long);
  });

  it("encodes long partial keys past every header's inline size, and decodes them back", () => {
    for (const nibbles of [14, 15, 16, 30, 31, 32, 62, 63, 64, 317, 318, 319, 600]) {
      const partial = Uint8Array.from({ length: nibbles }, (_, i) => i % 16);
      const inline = { kind: "inline", bytes: Uint8Array.of(1, 2) } as const;
      const hashed = { kind: "hashed", hash: new Uint8Array(32).fill(9) } as const;
      const child = new Uint8Array(32).fill(3);
      for (const value of [inline, hashed]) {
        const leaf = decodeNode(encodeLeaf(partial, value));
        expect(leaf.partial).toEqual(partial);
        expect(leaf.value).toEqual(value);
        const branch = decodeNode(encodeBranch(partial, value, [undefined, child]));
        expect(branch.partial).toEqual(partial);
        expect(branch.value).toEqual(value);
        expect(branch.children?.[1]).toEqual(child);
      }
      const plain = decodeNode(encodeBranch(partial, undefined, [child]));
      expect(plain.value).toBeUndefined();
    }
    // The same sizes agree with the naive encoder through whole tries.
    for (const len of [20, 40, 160]) {
      const key = randomBytes(rng(len), len);
      const value = randomBytes(rng(len + 1), 40);
      expect(toHex(rootOf([[key, value]]))).toBe(naiveRoot(new Map([[toHex(key), value]])));
    }
  });

  it("refuses malformed nodes with a typed error", () => {
    const bad = ["", "00", "0f", "42aa", "42aa04", "42aa04bbcc", "800000", "81", "4300"];
    for (const hex of bad) {
      expect(() => decodeNode(fromHex(hex)), hex).toThrow(TrieError);
    }
    try {
      decodeNode(fromHex("42aa04"));
    } catch (err) {
      expect((err as TrieError).code).toBe("BAD_NODE");
    }
  });
});

describe("applyChanges", () => {
  it("agrees with a naive from-scratch root through random inserts, updates and deletes", () => {
    const next = rng(42);
    for (let round = 0; round < 12; round++) {
      const store = new MemoryStore();
      const model = new Map<string, Uint8Array>();
      let root = EMPTY_ROOT;
      // Small alphabets and short keys force shared prefixes, branches with values and merges.
      const alphabet = round % 3 === 0 ? 4 : round % 3 === 1 ? 16 : 256;
      for (let batch = 0; batch < 6; batch++) {
        const changes: Array<[Uint8Array, Uint8Array | null]> = [];
        for (let i = 0; i < 40; i++) {
          const existing = [...model.keys()];
          const deleting = existing.length > 0 && next() < 0.35;
          const key = deleting
            ? fromHex(existing[Math.floor(next() * existing.length)]!)
            : randomBytes(next, 1 + Math.floor(next() * 5), alphabet);
          const value = deleting ? null : randomBytes(next, Math.floor(next() * 70));
          changes.push([key, value]);
        }
        // Apply to the model in order (the last change to a key wins, as in applyChanges).
        for (const [k, v] of changes) {
          if (v === null) model.delete(toHex(k));
          else model.set(toHex(k), v);
        }
        const result = applyChanges(store, root, changes);
        store.add(result.inserted);
        root = result.root;
        expect(toHex(root), `round ${round} batch ${batch}`).toBe(naiveRoot(model));
        expect(toHex(rootOf([...model].map(([k, v]) => [fromHex(k), v] as const)))).toBe(toHex(root));
        for (const [k, v] of model) expect(trieGet(store, root, fromHex(k))).toEqual(v);
      }
      // Deleting everything returns to the empty root.
      const cleared = applyChanges(
        store,
        root,
        [...model.keys()].map((k) => [fromHex(k), null] as const),
      );
      expect(toHex(cleared.root)).toBe(toHex(EMPTY_ROOT));
      expect(cleared.inserted.size).toBe(0);
    }
  });

  it("re-encodes only the changed path", () => {
    const next = rng(7);
    const entries = Array.from(
      { length: 2000 },
      () => [randomBytes(next, 32), randomBytes(next, 8)] as const,
    );
    const store = new MemoryStore();
    const base = buildTrie(entries);
    store.add(base.nodes);
    const before = store.nodes.size;
    let gets = 0;
    const counting: TrieNodeStore = {
      get: (h) => {
        gets++;
        return store.get(h);
      },
    };
    const result = applyChanges(counting, base.root, [[entries[5]![0], Uint8Array.of(1)]]);
    // 2000 keys: a root and ~3 levels of branches, then the leaf (maybe inline).
    expect(result.inserted.size).toBeLessThanOrEqual(5);
    expect(result.removed.length).toBe(result.inserted.size);
    expect(gets).toBeLessThanOrEqual(5);
    store.add(result.inserted);
    expect(store.nodes.size).toBe(before + result.inserted.size);
    // Writing the same value again changes nothing.
    const same = applyChanges(store, result.root, [[entries[5]![0], Uint8Array.of(1)]]);
    expect(toHex(same.root)).toBe(toHex(result.root));
    expect(same.inserted.size).toBe(0);
    // Deleting a missing key changes nothing either.
    const none = applyChanges(store, result.root, [[Uint8Array.of(1, 2, 3), null]]);
    expect(toHex(none.root)).toBe(toHex(result.root));
    expect(none.inserted.size).toBe(0);
  });

  it("leaves the old state readable (content addressing keeps history)", () => {
    const store = new MemoryStore();
    const a = applyChanges(store, EMPTY_ROOT, [
      [utf8("alice"), utf8("10")],
      [utf8("bob"), utf8("20")],
    ]);
    store.add(a.inserted);
    const b = applyChanges(store, a.root, [
      [utf8("alice"), utf8("5")],
      [utf8("bob"), null],
    ]);
    store.add(b.inserted);
    expect(trieGet(store, a.root, utf8("bob"))).toEqual(utf8("20"));
    expect(trieGet(store, b.root, utf8("bob"))).toBeUndefined();
    expect(trieGet(store, b.root, utf8("alice"))).toEqual(utf8("5"));
  });

  it("reports a node missing from the store with MISSING_NODE", () => {
    const built = buildTrie(
      Array.from({ length: 50 }, (_, i) => [Uint8Array.of(i, i), new Uint8Array(40)] as const),
    );
    const store = new MemoryStore();
    store.add(built.nodes);
    store.nodes.delete(toHex(built.root));
    expect(() => trieGet(store, built.root, Uint8Array.of(1, 1))).toThrow(
      expect.objectContaining({ code: "MISSING_NODE" }),
    );
    expect(() => applyChanges(store, built.root, [[Uint8Array.of(1), Uint8Array.of(1)]])).toThrow(TrieError);
  });
});

describe("iteration", () => {
  const next = rng(99);
  const model = new Map<string, Uint8Array>();
  for (let i = 0; i < 300; i++)
    model.set(toHex(randomBytes(next, 1 + Math.floor(next() * 4), 6)), randomBytes(next, 50));
  model.set("", utf8("empty key"));
  const sorted = [...model.keys()].sort();
  const store = new MemoryStore();
  const built = buildTrie([...model].map(([k, v]) => [fromHex(k), v] as const));
  store.add(built.nodes);

  it("finds the next key strictly after any key", () => {
    const probes = [...sorted, "00", "0000", "0500ff", "ff", "050505050505", "01"];
    for (const probe of probes) {
      const want = sorted.find((k) => k > probe);
      const got = trieNextKey(store, built.root, fromHex(probe));
      expect(got === undefined ? undefined : toHex(got), probe).toBe(want);
    }
    expect(trieNextKey(store, EMPTY_ROOT, Uint8Array.of())).toBeUndefined();
  });

  it("pages keys under a prefix from a start key", () => {
    for (const prefix of ["", "01", "0203", "05", "0a"]) {
      const all = sorted.filter((k) => k.startsWith(prefix));
      expect(trieKeysWithPrefix(store, built.root, fromHex(prefix)).map(toHex)).toEqual(all);
      // Page through in fives with start keys, as state_getKeysPaged clients do.
      const paged: string[] = [];
      let start: Uint8Array | undefined;
      for (;;) {
        const page = trieKeysWithPrefix(store, built.root, fromHex(prefix), start, 5).map(toHex);
        paged.push(...page);
        if (page.length < 5) break;
        start = fromHex(page[page.length - 1]!);
      }
      expect(paged).toEqual(all);
    }
    // A start key before the prefix starts at the prefix; after it, nothing.
    expect(trieKeysWithPrefix(store, built.root, fromHex("03"), fromHex("01")).map(toHex)).toEqual(
      sorted.filter((k) => k.startsWith("03")),
    );
    expect(trieKeysWithPrefix(store, built.root, fromHex("03"), fromHex("04"))).toEqual([]);
    const entries = trieEntriesWithPrefix(store, built.root, fromHex("02"), undefined, 3);
    for (const [k, v] of entries) expect(v).toEqual(model.get(toHex(k)));
  });
});

describe("proofs", () => {
  const next = rng(5);
  const entries = Array.from(
    { length: 500 },
    () => [randomBytes(next, 32), randomBytes(next, 1 + Math.floor(next() * 60))] as const,
  );
  const store = new MemoryStore();
  const built = buildTrie(entries);
  store.add(built.nodes);

  it("proves presence and absence, hashed values included", () => {
    const absent = randomBytes(next, 32);
    const keys = [entries[0]![0], entries[1]![0], entries[2]![0], absent];
    const proof = readProof(store, built.root, keys);
    const sorted = [...proof].sort((a, b) => Buffer.compare(a, b));
    expect(proof).toEqual(sorted);
    expect(proof.length).toBeLessThan(40);
    const result = verifyProof(built.root, proof, keys);
    for (const [k, v] of entries.slice(0, 3)) expect(result.get(toHex(k))).toEqual(v);
    expect(result.has(toHex(absent))).toBe(true);
    expect(result.get(toHex(absent))).toBeUndefined();
  });

  it("refuses a truncated proof or a wrong root", () => {
    const long = entries.find(([, v]) => v.length >= 33)!;
    const proof = readProof(store, built.root, [long[0]]);
    const valueNode = proof.find((n) => Buffer.compare(n, long[1]) === 0);
    expect(valueNode).toBeDefined();
    const withoutValue = proof.filter((n) => n !== valueNode);
    expect(() => verifyProof(built.root, withoutValue, [long[0]])).toThrow(
      expect.objectContaining({ code: "INCOMPLETE_PROOF" }),
    );
    expect(() => verifyProof(new Uint8Array(32), proof, [long[0]])).toThrow(
      expect.objectContaining({ code: "INCOMPLETE_PROOF" }),
    );
    // A key the proof was not made for cannot be answered from it.
    expect(() => verifyProof(built.root, proof, [entries[7]![0]])).toThrow(TrieError);
  });
});
