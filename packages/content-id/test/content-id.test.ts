import { createHash } from "node:crypto";
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { describe, expect, it } from "vitest";
import {
  assembleFile,
  assertBlock,
  type Block,
  blockGetterFrom,
  blocksOf,
  CID,
  ContentIdError,
  cidOf,
  DAG_PB_CODE,
  decodeFileNode,
  importContent,
  parseCid,
  RAW_CODE,
  readFile,
  verifyBlock,
  walkDag,
} from "../src/index.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** Deterministic bytes that do not repeat at chunk boundaries (so no leaf is deduplicated). */
function pseudoRandom(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function collect(content: Uint8Array, opts = {}): Promise<Block[]> {
  const blocks: Block[] = [];
  for await (const block of blocksOf(content, opts)) blocks.push(block);
  return blocks;
}

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "no error";
  } catch (err) {
    return err instanceof ContentIdError ? err.code : `untyped: ${String(err)}`;
  }
}

describe("cidOf: the CIDs Kubo gives for `ipfs add --cid-version=1`", () => {
  it("matches documented Kubo CIDs of short files", async () => {
    // sha2-256 of empty input, raw codec.
    expect((await cidOf(new Uint8Array(0))).toString()).toBe(
      "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
    );
    // `echo hello | ipfs add --cid-version 1` (kubo test/sharness/t0114-gateway-subdomains README).
    expect((await cidOf(text("hello\n"))).toString()).toBe(
      "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am",
    );
    // `echo "Hello IPFS" | ipfs add --cid-version 1` (kubo t0124-gateway-ipns-record README).
    expect((await cidOf(text("Hello IPFS\n"))).toString()).toBe(
      "bafkreidfdrlkeq4m4xnxuyx6iae76fdm4wgl5d4xzsb77ixhyqwumhz244",
    );
  });

  it("gives a raw block whose digest is the sha2-256 of the bytes, up to exactly one chunk", async () => {
    for (const length of [1, 1000, 262_144]) {
      const bytes = pseudoRandom(length, length);
      const cid = await cidOf(bytes);
      expect(cid.version).toBe(1);
      expect(cid.code).toBe(RAW_CODE);
      expect(Buffer.from(cid.multihash.digest).toString("hex")).toBe(
        createHash("sha256").update(bytes).digest("hex"),
      );
    }
  });

  it("builds a dag-pb UnixFS file with raw leaves of 256 KiB past one chunk", async () => {
    const bytes = pseudoRandom(262_145 + 262_144, 3);
    const blocks = await collect(bytes);
    const root = blocks.at(-1)!;
    expect(root.cid.code).toBe(DAG_PB_CODE);
    expect((await cidOf(bytes)).equals(root.cid)).toBe(true);
    const node = dagPb.decode(root.bytes);
    expect(node.Links.map((l) => l.Hash.code)).toEqual([RAW_CODE, RAW_CODE, RAW_CODE]);
    const unixfs = UnixFS.unmarshal(node.Data!);
    expect(unixfs.type).toBe("file");
    expect(unixfs.blockSizes).toEqual([262_144n, 262_144n, 1n]);
    expect(unixfs.fileSize()).toBe(BigInt(bytes.length));
    // Tsize of a raw leaf is its byte length.
    expect(node.Links.map((l) => l.Tsize)).toEqual([262_144, 262_144, 1]);
    // Leaf i is chunk i.
    const leaf0 = blocks.find((b) => b.cid.equals(node.Links[0]!.Hash))!;
    expect(leaf0.bytes).toEqual(bytes.subarray(0, 262_144));
  });

  it("balances with at most 174 links per node (small chunks keep the test fast)", async () => {
    const chunkSize = 16;
    const bytes = pseudoRandom(chunkSize * 175 + 1, 5);
    const blocks = await collect(bytes, { chunkSize });
    const root = blocks.at(-1)!;
    const top = decodeFileNode(root.cid, root.bytes);
    expect(top.links.length).toBe(2);
    const left = decodeFileNode(top.links[0]!, blocks.find((b) => b.cid.equals(top.links[0]!))!.bytes);
    expect(left.links.length).toBe(174);
    expect(top.blockSizes).toEqual([174 * 16, 16 + 1]);
    expect(await assembleFile(root.cid, blockGetterFrom(blocks))).toEqual(bytes);
  });

  it("hashes the same stream in pieces as in one buffer", async () => {
    const bytes = pseudoRandom(600_000, 9);
    const pieces = [bytes.subarray(0, 1), bytes.subarray(1, 300_001), bytes.subarray(300_001)];
    const fromStream = await importContent(pieces, { put: () => undefined });
    expect(fromStream.cid.equals(await cidOf(bytes))).toBe(true);
    expect(fromStream.size).toBe(bytes.length);
  });

  it("blocksOf emits leaves in file order, each parent after its children, root last", async () => {
    const bytes = pseudoRandom(16 * 400, 11);
    const blocks = await collect(bytes, { chunkSize: 16, highWaterMark: 2 });
    const position = new Map(blocks.map((b, i) => [b.cid.toString(), i]));
    for (const [i, block] of blocks.entries()) {
      if (block.cid.code !== DAG_PB_CODE) continue;
      for (const child of decodeFileNode(block.cid, block.bytes).links) {
        expect(position.get(child.toString())!).toBeLessThan(i);
      }
    }
    const leaves = blocks.filter((b) => b.cid.code === RAW_CODE).map((b) => b.bytes);
    expect(Buffer.concat(leaves)).toEqual(Buffer.from(bytes));
  });

  it("blocksOf stops the import when the consumer stops reading", async () => {
    let taken = 0;
    for await (const _ of blocksOf(pseudoRandom(16 * 100, 2), { chunkSize: 16, highWaterMark: 2 })) {
      if (++taken === 3) break;
    }
    expect(taken).toBe(3);
  });
});

describe("verification and reassembly", () => {
  it("verifyBlock accepts the right bytes and refuses any other", async () => {
    const bytes = text("model weights");
    const cid = await cidOf(bytes);
    expect(await verifyBlock(cid, bytes)).toBe(true);
    expect(await verifyBlock(cid, text("model weightz"))).toBe(false);
    expect(await errorCode(assertBlock(cid, text("x")))).toBe("CID_MISMATCH");
  });

  it("walkDag yields every distinct block once, parent first (Kubo dag export order)", async () => {
    const bytes = pseudoRandom(16 * 200, 4);
    const blocks = await collect(bytes, { chunkSize: 16 });
    const root = blocks.at(-1)!.cid;
    const walked: Block[] = [];
    for await (const b of walkDag(root, blockGetterFrom(blocks))) walked.push(b);
    expect(walked[0]!.cid.equals(root)).toBe(true);
    expect(walked.length).toBe(new Set(blocks.map((b) => b.cid.toString())).size);
  });

  it("reassembles whole files and byte ranges, and streams them in order", async () => {
    const bytes = pseudoRandom(16 * 500 + 7, 6);
    const blocks = await collect(bytes, { chunkSize: 16 });
    const get = blockGetterFrom(blocks);
    const root = blocks.at(-1)!.cid;
    expect(await assembleFile(root, get)).toEqual(bytes);
    for (const [offset, length] of [
      [0, 1],
      [15, 2],
      [100, 3000],
      [16 * 500, 7],
      [16 * 500 + 6, 100],
    ] as const) {
      const parts: Uint8Array[] = [];
      for await (const p of readFile(root, get, { offset, length })) parts.push(p);
      expect(Buffer.concat(parts)).toEqual(Buffer.from(bytes.subarray(offset, offset + length)));
    }
  });

  it("reports a missing block, a substituted block and a lying parent with typed errors", async () => {
    const bytes = pseudoRandom(16 * 10, 8);
    const blocks = await collect(bytes, { chunkSize: 16 });
    const root = blocks.at(-1)!.cid;
    const leaf = blocks[3]!;
    const missing = blocks.filter((b) => b !== leaf);
    expect(await errorCode(assembleFile(root, blockGetterFrom(missing)))).toBe("MISSING_BLOCK");
    const swapped = blockGetterFrom(blocks);
    const lying = (cid: CID) => (cid.equals(leaf.cid) ? blocks[4]!.bytes : swapped(cid));
    expect(await errorCode(assembleFile(root, lying))).toBe("CID_MISMATCH");
    // A well-hashed root that records a wrong size for its child is malformed.
    const node = dagPb.decode(blocks.at(-1)!.bytes);
    const unixfs = UnixFS.unmarshal(node.Data!);
    unixfs.blockSizes[0] = 15n;
    const forged = dagPb.encode({ Data: unixfs.marshal(), Links: node.Links });
    const forgedCid = CID.createV1(
      DAG_PB_CODE,
      await (await import("multiformats/hashes/sha2")).sha256.digest(forged),
    );
    const forgedBlocks = [...blocks, { cid: forgedCid, bytes: forged }];
    expect(await errorCode(assembleFile(forgedCid, blockGetterFrom(forgedBlocks)))).toBe("MALFORMED_DAG");
  });

  it("also reassembles Kubo's default CIDv0 files (dag-pb leaves with inline data)", async () => {
    const { importer } = await import("ipfs-unixfs-importer");
    const bytes = pseudoRandom(262_144 * 2 + 10, 12);
    const blocks: Block[] = [];
    let root: CID | undefined;
    for await (const entry of importer(
      [{ content: bytes }],
      {
        put: async (cid: CID, block: Uint8Array) => {
          blocks.push({ cid, bytes: block });
          return cid;
        },
      },
      { cidVersion: 0, rawLeaves: false, reduceSingleLeafToSelf: true },
    )) {
      root = entry.cid;
    }
    expect(root!.version).toBe(0);
    expect(root!.toString()).toMatch(/^Qm/);
    expect(await assembleFile(root!, blockGetterFrom(blocks))).toEqual(bytes);
  });

  it("parseCid gives BAD_CID for garbage and refuses codecs it cannot check", async () => {
    expect(() => parseCid("not-a-cid")).toThrow(ContentIdError);
    try {
      parseCid("bafy-nope");
    } catch (err) {
      expect((err as ContentIdError).code).toBe("BAD_CID");
    }
    const cid = parseCid("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
    expect(cid.code).toBe(RAW_CODE);
    const dagCbor = CID.createV1(0x71, cid.multihash);
    expect(await errorCode(verifyBlock(dagCbor, new Uint8Array(0)))).toBe("UNSUPPORTED_CODEC");
  });
});
