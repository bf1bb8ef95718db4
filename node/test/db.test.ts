import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRegistry, readMetric, silentLogger } from "@darwin/observability";
import {
  applyChanges,
  blake2_256,
  buildTrie,
  decodeNode,
  EMPTY_ROOT,
  fromHex,
  HASH_LENGTH,
  type TrieNodeStore,
  toHex,
} from "@darwin/trie";
import { open } from "lmdb";
import { afterEach, describe, expect, it } from "vitest";
import {
  type BlockInfo,
  type ChainDb,
  chainDbPath,
  DbError,
  LruCache,
  openChainDb,
  type StatePruning,
} from "../src/db/index.ts";

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const dirs: string[] = [];
const dbs: ChainDb[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "darwin-db-"));
  dirs.push(dir);
  return dir;
}

function openDb(path: string, statePruning: StatePruning = "archive"): ChainDb {
  const db = openChainDb({ path, statePruning, nodeCacheEntries: 1000 }, { logger: silentLogger() });
  dbs.push(db);
  return db;
}

afterEach(async () => {
  for (const db of dbs.splice(0)) await db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

type Model = Map<string, Uint8Array>;

interface Built {
  readonly info: BlockInfo;
  readonly model: Model;
}

async function commitGenesis(db: ChainDb, entries: Model): Promise<Built> {
  const trie = buildTrie([...entries].map(([k, v]) => [fromHex(k), v] as const));
  const header = Uint8Array.from([...new Uint8Array(32), ...trie.root]);
  const hash = blake2_256(header);
  await db.commitBlock({
    hash,
    number: 0,
    parentHash: new Uint8Array(32),
    header,
    body: new Uint8Array(),
    stateRoot: trie.root,
    trieNodes: trie.nodes,
  });
  return { info: { hash, number: 0, parentHash: new Uint8Array(32), stateRoot: trie.root }, model: entries };
}

async function commitChild(
  db: ChainDb,
  parent: Built,
  changes: Array<[string, Uint8Array | null]>,
  flags: { setBest?: boolean; finalize?: boolean; salt?: number; justification?: Uint8Array } = {},
): Promise<Built> {
  const applied = applyChanges(
    db.nodeStore,
    parent.info.stateRoot,
    changes.map(([k, v]) => [fromHex(k), v] as const),
  );
  const n = parent.info.number + 1;
  const header = Uint8Array.from([...parent.info.hash, n, flags.salt ?? 0, ...applied.root]);
  const hash = blake2_256(header);
  await db.commitBlock({
    hash,
    number: n,
    parentHash: parent.info.hash,
    header,
    body: utf8(`body ${n}`),
    stateRoot: applied.root,
    trieNodes: applied.inserted,
    ...(flags.justification ? { justification: flags.justification } : {}),
    setBest: flags.setBest ?? true,
    finalize: flags.finalize ?? false,
  });
  const model = new Map(parent.model);
  for (const [k, v] of changes) {
    if (v === null) model.delete(k);
    else model.set(k, v);
  }
  return { info: { hash, number: n, parentHash: parent.info.hash, stateRoot: applied.root }, model };
}

function expectState(db: ChainDb, block: Built): void {
  const state = db.stateAtBlock(block.info.hash);
  const keys = state.keysPaged(new Uint8Array(), 100_000).map(toHex);
  expect(keys).toEqual([...block.model.keys()].sort());
  for (const [k, v] of block.model) expect(state.get(fromHex(k))).toEqual(v);
}

/** Every node reachable from the given roots (values included), walking the stored trie. */
function reachable(store: TrieNodeStore, roots: Uint8Array[]): Set<string> {
  const seen = new Set<string>();
  const stack: Array<[Uint8Array, boolean]> = roots
    .filter((r) => toHex(r) !== toHex(EMPTY_ROOT))
    .map((r) => [r, false]);
  while (stack.length > 0) {
    const [hash, isValue] = stack.pop()!;
    const hex = toHex(hash);
    if (seen.has(hex)) continue;
    seen.add(hex);
    const bytes = store.get(hash);
    if (bytes === undefined) throw new Error(`reachable node ${hex} is missing`);
    if (isValue) continue;
    const node = decodeNode(bytes);
    if (node.value?.kind === "hashed") stack.push([node.value.hash, true]);
    for (const child of node.children ?? []) if (child?.length === HASH_LENGTH) stack.push([child, false]);
  }
  return seen;
}

const key = (s: string): string => toHex(utf8(s));
const val = (s: string, repeat = 1): Uint8Array => utf8(s.repeat(repeat));

describe("chain database", () => {
  it("keeps blocks, pointers and every state across close and reopen", async () => {
    const path = chainDbPath(tempDir(), "dev");
    expect(path).toMatch(/chains\/dev\/db$/);
    const db = openDb(path);
    const genesis = await commitGenesis(
      db,
      new Map(Array.from({ length: 50 }, (_, i) => [key(`acct/${i}`), val(`balance ${i}`, 4)])),
    );
    expect(toHex(db.genesisHash()!)).toBe(toHex(genesis.info.hash));
    expect(db.finalized()).toEqual({ hash: genesis.info.hash, number: 0 });
    const chain = [genesis];
    for (let n = 1; n <= 6; n++) {
      chain.push(
        await commitChild(
          db,
          chain[n - 1]!,
          [
            [key(`acct/${n}`), val(`balance ${n * 10}`, 4)],
            [key(`new/${n}`), val("x")],
            [key(`acct/${n + 20}`), null],
          ],
          { finalize: n <= 4, justification: utf8(`just ${n}`) },
        ),
      );
    }
    await db.close();

    const again = openDb(path);
    expect(toHex(again.genesisHash()!)).toBe(toHex(genesis.info.hash));
    expect(again.best()).toEqual({ hash: chain[6]!.info.hash, number: 6 });
    expect(again.finalized()).toEqual({ hash: chain[4]!.info.hash, number: 4 });
    for (const block of chain) {
      const { hash, number } = block.info;
      expect(toHex(again.canonicalHash(number)!)).toBe(toHex(hash));
      expect(again.blockInfo(hash)).toEqual(block.info);
      expect(again.header(hash)).toBeDefined();
      if (number > 0) {
        expect(again.body(hash)).toEqual(utf8(`body ${number}`));
        expect(again.justification(hash)).toEqual(utf8(`just ${number}`));
      }
      expectState(again, block);
    }
    expect(again.canonicalHash(7)).toBeUndefined();
  });

  it("reads state: get, next key and paged keys under a prefix", async () => {
    const db = openDb(tempDir());
    const entries = new Map<string, Uint8Array>();
    for (let i = 0; i < 40; i++) entries.set(key(`sys/${String(i).padStart(2, "0")}`), val(`v${i}`, 10));
    entries.set(key("balances/total"), val("1000"));
    const genesis = await commitGenesis(db, entries);
    const state = db.stateAt(genesis.info.stateRoot);
    expect(state.get(utf8("sys/07"))).toEqual(val("v7", 10));
    expect(state.get(utf8("sys/99"))).toBeUndefined();
    expect(toHex(state.nextKey(utf8("balances/total"))!)).toBe(key("sys/00"));
    expect(state.nextKey(utf8("sys/39"))).toBeUndefined();
    const page1 = state.keysPaged(utf8("sys/"), 15).map(toHex);
    const page2 = state.keysPaged(utf8("sys/"), 15, fromHex(page1[14]!)).map(toHex);
    expect(page1[0]).toBe(key("sys/00"));
    expect(page2[0]).toBe(key("sys/15"));
    expect(state.entriesPaged(utf8("balances/"), 10)).toEqual([[utf8("balances/total"), val("1000")]]);
    expect(() => db.stateAt(new Uint8Array(32).fill(1))).toThrow(
      expect.objectContaining({ code: "STATE_UNAVAILABLE" }),
    );
    expect(db.stateAt(EMPTY_ROOT).get(utf8("x"))).toBeUndefined();
  });

  it("follows reorganisations in the canonical index and guards finality", async () => {
    const db = openDb(tempDir());
    const g = await commitGenesis(db, new Map([[key("a"), val("0")]]));
    const a1 = await commitChild(db, g, [[key("a"), val("a1")]]);
    const a2 = await commitChild(db, a1, [[key("a"), val("a2")]]);
    const b1 = await commitChild(db, g, [[key("a"), val("b1")]], { setBest: false, salt: 1 });
    const b2 = await commitChild(db, b1, [[key("a"), val("b2")]], { setBest: false, salt: 1 });
    const b3 = await commitChild(db, b2, [[key("a"), val("b3")]], { setBest: false, salt: 1 });
    expect(db.best()?.number).toBe(2);
    expect(db.blocksAt(1).map(toHex).sort()).toEqual([toHex(a1.info.hash), toHex(b1.info.hash)].sort());
    await db.setBest(b3.info.hash);
    expect([1, 2, 3].map((n) => toHex(db.canonicalHash(n)!))).toEqual(
      [b1, b2, b3].map((b) => toHex(b.info.hash)),
    );
    await db.setBest(a2.info.hash);
    expect(toHex(db.canonicalHash(1)!)).toBe(toHex(a1.info.hash));
    expect(db.canonicalHash(3)).toBeUndefined();
    // Finalizing a block off the best chain reorganises to it.
    await db.finalize(b2.info.hash, utf8("grandpa"));
    expect(db.best()?.number).toBe(2);
    expect(toHex(db.canonicalHash(2)!)).toBe(toHex(b2.info.hash));
    expect(db.justification(b2.info.hash)).toEqual(utf8("grandpa"));
    await expect(db.setBest(a2.info.hash)).rejects.toMatchObject({ code: "BELOW_FINALIZED" });
    await expect(commitChild(db, a1, [[key("a"), val("late")]])).rejects.toMatchObject({
      code: "BELOW_FINALIZED",
    });
    await expect(db.finalize(a1.info.hash)).rejects.toMatchObject({ code: "BELOW_FINALIZED" });
    // All states remain readable in archive mode, forks included.
    for (const block of [g, a1, a2, b1, b2, b3]) expectState(db, block);
  });

  it("prunes to the last n finalized states, never losing a retained node, leaking none", async () => {
    const db = openDb(tempDir(), { keepFinalized: 3 });
    // Few distinct long values: many keys share the same hashed value node.
    const genesisEntries = new Map<string, Uint8Array>();
    for (let i = 0; i < 120; i++) genesisEntries.set(key(`acct/${i}`), val(`balance ${i % 5} `, 5));
    let head = await commitGenesis(db, genesisEntries);
    const chain = [head];
    let fork: Built | undefined;
    for (let n = 1; n <= 14; n++) {
      const changes: Array<[string, Uint8Array | null]> = [];
      for (let i = 0; i < 12; i++)
        changes.push([key(`acct/${(n * 13 + i) % 120}`), val(`balance ${(n + i) % 5} `, 5)]);
      changes.push([key(`block/${n}`), val(`b${n}`)]);
      if (n % 4 === 0) changes.push([key(`block/${n - 2}`), null]);
      // Re-create a value that an earlier, pruned state had: it must be stored again.
      if (n === 9) changes.push([key("acct/0"), val("balance 0 ", 5)]);
      head = await commitChild(db, head, changes, { finalize: n < 4 || n > 6 });
      chain.push(head);
      if (n === 4) {
        fork = await commitChild(db, chain[3]!, [[key("fork"), val("only on the fork", 3)]], {
          setBest: false,
          salt: 9,
        });
      }
      const fin = db.finalized()!.number;
      const retained = chain.filter((b) => b.info.number > fin - 3);
      for (const block of retained) expectState(db, block);
      for (const block of chain.filter((b) => b.info.number <= fin - 3)) {
        expect(db.hasState(block.info.stateRoot)).toBe(false);
        expect(() => db.stateAtBlock(block.info.hash)).toThrow(
          expect.objectContaining({ code: "STATE_UNAVAILABLE" }),
        );
      }
      const roots = retained.map((b) => b.info.stateRoot);
      if (fork !== undefined && fin < fork.info.number) roots.push(fork.info.stateRoot);
      // The stored nodes are exactly those the retained states reach: no leak, no loss.
      expect(new Set(db.storedNodeHashes())).toEqual(reachable(db.nodeStore, roots));
    }
    expect(fork).toBeDefined();
    expect(db.hasState(fork!.info.stateRoot)).toBe(false);
    // Headers and bodies stay; only state is pruned.
    expect(db.header(chain[1]!.info.hash)).toBeDefined();
  });

  it("writes nothing of a block whose state is incomplete", async () => {
    const path = tempDir();
    const db = openDb(path, { keepFinalized: 2 });
    const g = await commitGenesis(db, new Map([[key("a"), val("genesis value", 3)]]));
    const applied = applyChanges(db.nodeStore, g.info.stateRoot, [[utf8("b"), val("new value", 5)]]);
    const partial = new Map(applied.inserted);
    const dropped = [...partial.keys()].find((h) => h !== toHex(applied.root))!;
    partial.delete(dropped);
    const header = utf8("block 1");
    const hash = blake2_256(header);
    await expect(
      db.commitBlock({
        hash,
        number: 1,
        parentHash: g.info.hash,
        header,
        body: new Uint8Array(),
        stateRoot: applied.root,
        trieNodes: partial,
        setBest: true,
        finalize: true,
      }),
    ).rejects.toMatchObject({ code: "MISSING_NODE" });
    expect(db.hasBlock(hash)).toBe(false);
    expect(db.header(hash)).toBeUndefined();
    expect(db.best()?.number).toBe(0);
    expect(db.canonicalHash(1)).toBeUndefined();
    expect(new Set(db.storedNodeHashes())).toEqual(reachable(db.nodeStore, [g.info.stateRoot]));
    // The same block with all its nodes then commits normally.
    const ok = await commitChild(db, g, [[key("b"), val("new value", 5)]], { finalize: true });
    expectState(db, ok);
    await db.close();
    const again = openDb(path, { keepFinalized: 2 });
    expect(again.best()?.number).toBe(1);
  });

  it("refuses a different genesis, a different pruning mode and an unknown version", async () => {
    const path = tempDir();
    const db = openDb(path, { keepFinalized: 4 });
    await commitGenesis(db, new Map([[key("a"), val("1")]]));
    await expect(commitGenesis(db, new Map([[key("a"), val("2")]]))).rejects.toMatchObject({
      code: "GENESIS_MISMATCH",
    });
    await expect(
      db.commitBlock({
        hash: new Uint8Array(32).fill(5),
        number: 3,
        parentHash: new Uint8Array(32).fill(6),
        header: new Uint8Array(),
        body: new Uint8Array(),
        stateRoot: EMPTY_ROOT,
        trieNodes: new Map(),
      }),
    ).rejects.toMatchObject({ code: "UNKNOWN_BLOCK" });
    await db.close();
    expect(() => openDb(path, "archive")).toThrow(expect.objectContaining({ code: "PRUNING_MISMATCH" }));
    // Another keep count is fine (Substrate allows changing the window).
    await openDb(path, { keepFinalized: 8 }).close();
    const raw = open({ path: join(path, "full", "data.mdb"), noSubdir: true, maxDbs: 16 });
    raw.openDB({ name: "meta" }).putSync("version", 99);
    await raw.close();
    expect(() => openDb(path, { keepFinalized: 4 })).toThrow(DbError);
    expect(() => openDb(path, { keepFinalized: 4 })).toThrow(/version 99/);
  });

  it("bounds its node cache and hands back the same objects", () => {
    const cache = new LruCache<Uint8Array>(100);
    const first = Uint8Array.of(1);
    cache.set("first", first);
    for (let i = 0; i < 1000; i++) {
      cache.set(`k${i}`, Uint8Array.of(i & 255));
      // A hot entry survives however much passes through.
      expect(cache.get("first")).toBe(first);
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    expect(cache.get("k0")).toBeUndefined();
    expect(cache.get("k999")).toEqual(Uint8Array.of(999 & 255));
    cache.delete("first");
    expect(cache.get("first")).toBeUndefined();
  });

  it("reports commits, written and pruned nodes and cache use to Prometheus", async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const db = openChainDb(
      { path: tempDir(), statePruning: { keepFinalized: 1 }, nodeCacheEntries: 1000 },
      { logger: silentLogger(), registry },
    );
    dbs.push(db);
    let head = await commitGenesis(db, new Map([[key("a"), val("genesis value ", 4)]]));
    for (let n = 1; n <= 3; n++)
      head = await commitChild(db, head, [[key("a"), val(`value ${n} `, 4)]], { finalize: true });
    expect(await readMetric(registry, "darwin_db_trie_nodes_written_total")).toBeGreaterThan(0);
    expect(await readMetric(registry, "darwin_db_trie_nodes_pruned_total")).toBeGreaterThan(0);
    expect(
      await readMetric(registry, "darwin_db_node_cache_lookups_total", { result: "hit" }),
    ).toBeGreaterThan(0);
    const histogram = await registry.getSingleMetric("darwin_db_commit_seconds")!.get();
    const commits = histogram.values.find(
      (v) => (v as { metricName?: string }).metricName === "darwin_db_commit_seconds_count",
    );
    expect(commits?.value).toBe(4);
  });
});
