// Crash safety: a real process commits finalized blocks in a loop and is SIGKILLed at random
// moments. After each kill the database must hold every block whose commit resolved, completely
// (header, body, justification, canonical index, pointers, readable state), and nothing partial.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { silentLogger } from "@darwin/observability";
import { nodeBinary, startProcess } from "@darwin/test-utils";
import { decodeNode, fromHex, HASH_LENGTH, type TrieNodeStore, toHex } from "@darwin/trie";
import { afterAll, describe, expect, it } from "vitest";
import { type ChainDb, openChainDb, type StatePruning } from "../src/db/index.ts";

const fixture = join(import.meta.dirname, "fixtures", "db-writer.ts");
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Committed {
  readonly n: number;
  readonly hash: string;
  readonly root: string;
}

function parseCommitted(output: string): Committed[] {
  return [...output.matchAll(/^committed (\d+) ([0-9a-f]{64}) ([0-9a-f]{64})$/gm)].map((m) => ({
    n: Number(m[1]),
    hash: m[2]!,
    root: m[3]!,
  }));
}

function reachable(store: TrieNodeStore, roots: Uint8Array[]): Set<string> {
  const seen = new Set<string>();
  const stack: Array<[Uint8Array, boolean]> = roots.map((r) => [r, false]);
  while (stack.length > 0) {
    const [hash, isValue] = stack.pop()!;
    const hex = toHex(hash);
    if (seen.has(hex)) continue;
    seen.add(hex);
    const bytes = store.get(hash);
    if (bytes === undefined) throw new Error(`node ${hex} reachable from a retained state is missing`);
    if (isValue) continue;
    const node = decodeNode(bytes);
    if (node.value?.kind === "hashed") stack.push([node.value.hash, true]);
    for (const child of node.children ?? []) if (child?.length === HASH_LENGTH) stack.push([child, false]);
  }
  return seen;
}

function checkDatabase(db: ChainDb, committed: Committed[], keep: number | undefined): number {
  const best = db.best()!;
  const fin = db.finalized()!;
  const lastPrinted = committed.at(-1)?.n ?? 0;
  // Each block is finalized in its own commit: both pointers move together.
  expect(toHex(fin.hash)).toBe(toHex(best.hash));
  // The kill may land after a commit but before its line was printed: at most one such block.
  expect(fin.number).toBeGreaterThanOrEqual(lastPrinted);
  expect(fin.number).toBeLessThanOrEqual(lastPrinted + 1);
  const byNumber = new Map(committed.map((c) => [c.n, c]));
  const retainedRoots: Uint8Array[] = [];
  for (let n = 0; n <= best.number; n++) {
    const hash = db.canonicalHash(n);
    expect(hash, `canonical #${n}`).toBeDefined();
    const info = db.blockInfo(hash!)!;
    expect(info.number).toBe(n);
    expect(db.header(hash!)).toBeDefined();
    expect(db.body(hash!)).toBeDefined();
    if (n > 0) expect(db.justification(hash!)).toEqual(utf8(`justification of ${n}`));
    const printed = byNumber.get(n);
    if (printed !== undefined) {
      expect(toHex(hash!)).toBe(printed.hash);
      expect(toHex(info.stateRoot)).toBe(printed.root);
    }
    const retained = keep === undefined || n > fin.number - keep;
    expect(db.hasState(info.stateRoot), `state of #${n}`).toBe(retained);
    if (!retained) continue;
    retainedRoots.push(info.stateRoot);
    const state = db.stateAt(info.stateRoot);
    expect(state.get(utf8("count"))).toEqual(utf8(String(n)));
    if (n > 0) expect(state.get(utf8(`block/${n}`))).toEqual(utf8(`block ${n} `.repeat(5)));
    // Every key of the state is readable: no node on any path is missing.
    for (const key of state.keysPaged(new Uint8Array(), 10_000)) expect(state.get(key)).toBeDefined();
  }
  expect(db.blocksAt(best.number + 1)).toEqual([]);
  if (keep !== undefined) {
    // Reference counts survived the crash exactly: what is stored is what retained states reach.
    expect(new Set(db.storedNodeHashes())).toEqual(reachable(db.nodeStore, retainedRoots));
  }
  return best.number;
}

async function crashRounds(pruning: StatePruning, rounds: number): Promise<void> {
  const path = mkdtempSync(join(tmpdir(), "darwin-db-crash-"));
  dirs.push(path);
  const keep = pruning === "archive" ? undefined : pruning.keepFinalized;
  const all: Committed[] = [];
  let lastBest = -1;
  for (let round = 0; round < rounds; round++) {
    const target = 2 + Math.floor(Math.random() * 20);
    const writer = await startProcess({
      name: `db-writer round ${round}`,
      command: nodeBinary,
      args: [fixture, path, pruning === "archive" ? "archive" : String(pruning.keepFinalized)],
      ready: async (p) => parseCommitted(p.output()).length >= target,
      pollIntervalMs: 5,
      readyTimeoutMs: 60_000,
    });
    // Kill somewhere inside a later commit, not right on a line boundary.
    await sleep(Math.floor(Math.random() * 15));
    await writer.kill();
    const committed = parseCommitted(writer.output());
    expect(committed.length).toBeGreaterThanOrEqual(target);
    // Each run continues from the last block the previous one left.
    expect(committed[0]!.n).toBe(lastBest + 1 === 0 ? 1 : lastBest + 1);
    all.push(...committed);
    const db = openChainDb({ path, statePruning: pruning }, { logger: silentLogger() });
    try {
      lastBest = checkDatabase(db, all, keep);
      // A block printed before the kill but not yet seen by the previous check is never lost later.
      for (const c of all) expect(toHex(db.canonicalHash(c.n) ?? fromHex("00"))).toBe(c.hash);
    } finally {
      await db.close();
    }
  }
}

describe("chain database under SIGKILL", () => {
  it("loses no committed block and leaves no partial one (archive)", async () => {
    await crashRounds("archive", 5);
  });

  it("loses no committed block and keeps reference counts exact (state pruning 4)", async () => {
    await crashRounds({ keepFinalized: 4 }, 5);
  });
});
