// State-trie update throughput: blocks of changed keys applied to a large trie with
// @darwin/trie's applyChanges, beside a plain Map doing the same writes (the floor any state
// backend pays). Keys and values are shaped like System.Account entries: 16+16 bytes of pallet and
// item prefix, blake2_128_concat of a 20-byte account (68-byte keys), 80-byte values (hashed under
// state version 1). A second pass does the same blocks against the node's lmdb chain database
// (applyChanges over its LRU node cache, then one atomic commitBlock per block).
//
//   npm run bench -- trie                                  # 100,000 and 1,000,000 keys
//   TRIE_BENCH_SIZES=100000 npm run bench -- trie
//
// The machine is shared, so rates are given per second of wall time and per second of this
// process's CPU time (user + system).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@darwin/observability";
import { applyChanges, blake2_256, buildTrie, type TrieNodeStore, toHex, trieGet } from "@darwin/trie";
import { openChainDb } from "../../node/src/db/index.ts";
import { printTable, type Row } from "./harness.ts";

const sizes = (process.env.TRIE_BENCH_SIZES ?? "100000,1000000").split(",").map(Number);
const BLOCKS = 10;
const CHANGES_PER_BLOCK = 5_000;

class MapStore implements TrieNodeStore {
  readonly nodes = new Map<string, Uint8Array>();
  get(hash: Uint8Array): Uint8Array | undefined {
    return this.nodes.get(toHex(hash));
  }
}

const prefix = randomBytes(32);
function accountKey(): Uint8Array {
  const key = new Uint8Array(68);
  key.set(prefix, 0);
  key.set(randomBytes(36), 32);
  return key;
}

/** Runs `fn`, returning wall and CPU seconds. */
function measure(fn: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const c = process.cpuUsage(c0);
  return { wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6 };
}

async function measureAsync(fn: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6 };
}

for (const size of sizes) {
  const keys = Array.from({ length: size }, accountKey);
  const entries = keys.map((k) => [k, randomBytes(80)] as const);
  let built: ReturnType<typeof buildTrie> | undefined;
  const build = measure(() => {
    built = buildTrie(entries);
  });
  const genesis = built!;
  const store = new MapStore();
  for (const [h, n] of genesis.nodes) store.nodes.set(h, n);

  // Blocks: 80% updates of existing keys, 15% new keys, 5% deletions.
  const blocks = Array.from({ length: BLOCKS }, () =>
    Array.from({ length: CHANGES_PER_BLOCK }, (): [Uint8Array, Uint8Array | null] => {
      const r = Math.random();
      if (r < 0.8) return [keys[Math.floor(Math.random() * keys.length)]!, randomBytes(80)];
      if (r < 0.95) return [accountKey(), randomBytes(80)];
      return [keys[Math.floor(Math.random() * keys.length)]!, null];
    }),
  );

  let root = genesis.root;
  let nodesWritten = 0;
  const trie = measure(() => {
    for (const block of blocks) {
      const result = applyChanges(store, root, block);
      for (const [h, n] of result.inserted) store.nodes.set(h, n);
      nodesWritten += result.inserted.size;
      root = result.root;
    }
  });

  const model = new Map<string, Uint8Array>();
  for (const [k, v] of entries) model.set(toHex(k), v);
  const map = measure(() => {
    for (const block of blocks) {
      for (const [k, v] of block) {
        if (v === null) model.delete(toHex(k));
        else model.set(toHex(k), v);
      }
    }
  });

  const reads = 50_000;
  const probe = Array.from({ length: reads }, () => keys[Math.floor(Math.random() * keys.length)]!);
  const trieReads = measure(() => {
    for (const k of probe) trieGet(store, root, k);
  });
  const mapReads = measure(() => {
    for (const k of probe) model.get(toHex(k));
  });
  store.nodes.clear();

  // The same blocks through the node's database: archive mode, durable commit per block.
  const dir = mkdtempSync(join(tmpdir(), "darwin-trie-bench-"));
  const db = openChainDb({ path: dir, statePruning: "archive" }, { logger: silentLogger() });
  const genesisHeader = genesis.root;
  let parent = blake2_256(genesisHeader);
  await db.commitBlock({
    hash: parent,
    number: 0,
    parentHash: new Uint8Array(32),
    header: genesisHeader,
    body: new Uint8Array(),
    stateRoot: genesis.root,
    trieNodes: genesis.nodes,
  });
  let dbRoot = genesis.root;
  const withDb = await measureAsync(async () => {
    for (let i = 0; i < blocks.length; i++) {
      const result = applyChanges(db.nodeStore, dbRoot, blocks[i]!);
      const header = new Uint8Array([...parent, i, ...result.root]);
      const hash = blake2_256(header);
      await db.commitBlock({
        hash,
        number: i + 1,
        parentHash: parent,
        header,
        body: new Uint8Array(),
        stateRoot: result.root,
        trieNodes: result.inserted,
        setBest: true,
        finalize: true,
      });
      parent = hash;
      dbRoot = result.root;
    }
  });
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  if (toHex(dbRoot) !== toHex(root)) throw new Error("the database pass reached another root");

  const total = BLOCKS * CHANGES_PER_BLOCK;
  const rows: Row[] = [
    {
      name: `build ${size.toLocaleString("en-US")} keys from scratch (wall)`,
      value: size / build.wall,
      unit: "keys/s",
    },
    {
      name: `apply ${BLOCKS} blocks x ${CHANGES_PER_BLOCK.toLocaleString("en-US")} changes (wall)`,
      value: total / trie.wall,
      unit: "changes/s",
      reference: { name: "Map set/delete", value: total / map.wall },
    },
    {
      name: "same, per CPU-second",
      value: total / trie.cpu,
      unit: "changes/s",
      reference: { name: "Map set/delete", value: total / map.cpu },
    },
    {
      name: "apply + lmdb commitBlock per block (wall)",
      value: total / withDb.wall,
      unit: "changes/s",
      reference: { name: "trie alone", value: total / trie.wall },
    },
    {
      name: "apply + lmdb commitBlock, per CPU-second",
      value: total / withDb.cpu,
      unit: "changes/s",
      reference: { name: "trie alone", value: total / trie.cpu },
    },
    { name: "trie nodes written per block", value: Math.round(nodesWritten / BLOCKS), unit: "nodes" },
    {
      name: "random reads, trieGet (wall)",
      value: reads / trieReads.wall,
      unit: "reads/s",
      reference: { name: "Map get", value: reads / mapReads.wall },
    },
  ];
  printTable(`trie, ${size.toLocaleString("en-US")} keys`, rows);
}
