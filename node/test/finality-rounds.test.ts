// Self-finality in rounds: one justification covers every block that is due, and every covered block
// is still announced as finalized, oldest first.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@darwin/observability";
import { DarwinRuntime } from "@darwin/runtime-spec";
import { toHex } from "@darwin/scale";
import { afterEach, describe, expect, it } from "vitest";
import { Chain } from "../src/chain/chain.ts";
import { loadChainSpec, orderedTrieRoot } from "../src/chain-spec/index.ts";
import { BlockProducer } from "../src/consensus/producer.ts";
import { openChainDb } from "../src/db/index.ts";
import { Keystore } from "../src/keystore/index.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(finalityDelayMs: number, now?: () => number) {
  const path = mkdtempSync(join(tmpdir(), "darwin-finality-"));
  const db = openChainDb({ path, nodeCacheEntries: 10_000, durable: false }, { logger: silentLogger() });
  const chain = new Chain(
    { spec: loadChainSpec("dev") },
    { db, runtime: new DarwinRuntime({ orderedTrieRoot }), logger: silentLogger() },
  );
  await chain.init();
  const keystore = new Keystore({});
  keystore.insert("aura", "//Alice");
  keystore.insert("gran", "//Alice");
  const producer = new BlockProducer(
    { sealing: { kind: "manual" }, slotDurationMs: 6000, selfFinalize: true, finalityDelayMs },
    {
      chain,
      pool: { ready: () => [][Symbol.iterator](), blockBuilt: () => {}, onReadyChange: () => {} },
      keystore,
      logger: silentLogger(),
      ...(now ? { now } : {}),
    },
  );
  cleanups.push(() => rmSync(path, { recursive: true, force: true }));
  cleanups.push(() => db.close());
  cleanups.push(() => producer.stop());
  return { chain, db, producer };
}

describe("self-finality rounds", () => {
  it("finalizes a burst of blocks with one justification and announces each of them", async () => {
    // The producer's clock stands still while the burst is built, so however long building takes,
    // all six blocks fall due in the same round.
    let clock = 1_700_000_000_000;
    const { chain, db, producer } = await setup(100, () => clock);
    const finalized: number[] = [];
    chain.on("finalized", (b) => finalized.push(b.number));
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < 6; i++) {
      const ref = await producer.createBlock({ createEmpty: true, finalize: true });
      hashes.push(ref!.hash);
    }
    expect(chain.finalized().number).toBe(0);
    clock += 1000;
    await until(() => chain.finalized().number === 6);
    expect(finalized).toEqual([1, 2, 3, 4, 5, 6]);
    // Built within one round: only the newest carries the justification that finalized them all.
    const justified = hashes.filter((h) => db.justification(h) !== undefined).map((h) => toHex(h));
    expect(justified).toEqual([toHex(hashes[5]!)]);
  });

  it("keeps finalizing while blocks keep coming", async () => {
    const { chain, producer } = await setup(30);
    for (let i = 0; i < 8; i++) {
      await producer.createBlock({ createEmpty: true, finalize: true });
      await new Promise((r) => setTimeout(r, 15));
    }
    // A stream of blocks never postpones finality indefinitely: rounds keep closing meanwhile.
    await until(() => chain.finalized().number === 8);
    expect(chain.finalized().hash).toEqual(chain.best().hash);
  });
});

describe("Chain.finalize", () => {
  it("announces each block once when finalizations overlap", async () => {
    const { chain, producer } = await setup(100);
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < 4; i++) {
      const ref = await producer.createBlock({ createEmpty: true, finalize: false });
      hashes.push(ref!.hash);
    }
    const finalized: number[] = [];
    chain.on("finalized", (b) => finalized.push(b.number));
    await Promise.all([chain.finalize(hashes[1]!), chain.finalize(hashes[3]!), chain.finalize(hashes[2]!)]);
    expect(finalized).toEqual([1, 2, 3, 4]);
    expect(chain.finalized().number).toBe(4);
  });
});

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
