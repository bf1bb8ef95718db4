// darwin-node throughput: block building in-process, and 5,000 signed transfers end to end over RPC.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  cryptoReady,
  DEV_PHRASE,
  ethereumKeyFromUri,
  recoverAddress,
  signingDigest,
  signPayload,
} from "@darwin/crypto";
import { createLogger } from "@darwin/observability";
import { DarwinRuntime, DNA, encodeSignedExtrinsic, signingPayload, VERSION } from "@darwin/runtime-spec";
import { encode, fromHex, toHex, u64 } from "@darwin/scale";
import { rpcCall, startDarwinNode } from "@darwin/test-utils";
import WebSocket from "ws";
import { Chain } from "../../node/src/chain/chain.ts";
import { builtinSpec, orderedTrieRoot } from "../../node/src/chain-spec/index.ts";
import { preRuntimeDigest } from "../../node/src/consensus/aura.ts";
import { openChainDb } from "../../node/src/db/index.ts";
import { machineDescription, printTable } from "./harness.ts";

await cryptoReady();
const SENDERS = 50;
const PER_SENDER = 100;
const accounts = Array.from({ length: SENDERS }, (_, i) =>
  ethereumKeyFromUri(`${DEV_PHRASE}/m/44'/60'/0'/0/${i}`),
);
const alith = accounts[0]!;
const dest = fromHex("0x3cd0a705a2dc65e5b1e1205896baa2be8a07c6e0");

function transferCall(rt: DarwinRuntime, to: Uint8Array, value: bigint): Uint8Array {
  return encode(rt.composed.callCodec, {
    type: "Balances",
    value: { type: "transfer_keep_alive", value: { dest: to, value } },
  });
}

function sign(
  genesis: Uint8Array,
  key: { address: Uint8Array; secretKey: Uint8Array },
  callBytes: Uint8Array,
  nonce: number,
) {
  const extra = { era: { type: "Immortal" as const }, nonce, tip: 0n, metadataHashMode: 0 };
  const payload = signingPayload(callBytes, extra, {
    specVersion: VERSION.specVersion,
    transactionVersion: VERSION.transactionVersion,
    genesisHash: genesis,
    checkpointHash: genesis,
  });
  return encodeSignedExtrinsic(callBytes, key.address, signPayload(payload, key.secretKey), extra);
}

// ---- 1. block building in-process (runtime + trie + lmdb commit), signature checks included
async function blockBuilding() {
  const dir = mkdtempSync(join(tmpdir(), "darwin-bench-"));
  const logger = createLogger({ name: "bench", level: "warn" });
  const db = openChainDb({ path: dir }, { logger });
  const runtime = new DarwinRuntime({ orderedTrieRoot });
  const chain = new Chain({ spec: builtinSpec("dev") }, { db, runtime, logger });
  await chain.init();
  // Fund the senders in one block from the dev accounts (Alith..Faith hold the genesis funds).
  const fund = accounts
    .slice(6)
    .map((a, i) => sign(chain.genesisHash, alith, transferCall(runtime, a.address, 1000n * DNA), i));
  let slot = 1000n;
  let now = 1_700_000_000_000n;
  const build = async (xts: Uint8Array[]) => {
    slot += 1n;
    now += 6000n;
    const built = await chain.buildBlock({
      parent: chain.best(),
      preRuntime: [preRuntimeDigest(slot)],
      inherentData: new Map([["timstap0", encode(u64, now)]]),
      candidates: xts.map((bytes, i) => ({ hash: new Uint8Array([i & 255, i >> 8]), bytes })),
    });
    await chain.importBuilt(built, built.header, { finalize: true });
    return built;
  };
  await build(fund);
  const N = 2000;
  const xts: Uint8Array[] = [];
  for (let i = 0; i < N; i++) {
    const s = accounts[1 + (i % (SENDERS - 1))]!;
    xts.push(
      sign(
        chain.genesisHash,
        s,
        transferCall(runtime, dest, DNA),
        Math.floor(i / (SENDERS - 1)) + (accounts.indexOf(s) === 0 ? fund.length : 0),
      ),
    );
  }
  const t0 = performance.now();
  const built = await build(xts);
  const ms = performance.now() - t0;
  const applied = built.included.length;
  // Reference in the same run: signature recovery alone for the same number of transactions.
  const digest = signingDigest(new Uint8Array(120));
  const sig = signPayload(new Uint8Array(120), alith.secretKey);
  const r0 = performance.now();
  for (let i = 0; i < N; i++) recoverAddress(digest, sig);
  const recoverMs = performance.now() - r0;
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    applied,
    perSecond: (applied / ms) * 1000,
    recoverPerSecond: (N / recoverMs) * 1000,
    invalid: built.invalid.length,
  };
}

// ---- 2. end to end over RPC against a real darwin-node process
async function endToEnd(sealing: string) {
  const node = await startDarwinNode(["--dev", "--sealing", sealing, "-l", "warn"]);
  try {
    const genesis = fromHex((await rpcCall(node.httpUrl, "chain_getBlockHash", [0])).result as string);
    const runtime = new DarwinRuntime({ orderedTrieRoot });
    // Fund senders 6..49 from Alith.
    const fund = accounts
      .slice(6)
      .map((a, i) => sign(genesis, alith, transferCall(runtime, a.address, 1000n * DNA), i));
    await Promise.all(fund.map((x) => rpcCall(node.httpUrl, "author_submitExtrinsic", [toHex(x)])));
    for (;;) {
      const pending = (await rpcCall(node.httpUrl, "author_pendingExtrinsics")).result as string[];
      if (pending.length === 0) break;
      await sleep(100);
    }
    const nonces = await Promise.all(
      accounts.map(
        async (a) =>
          (await rpcCall(node.httpUrl, "system_accountNextIndex", [toHex(a.address)])).result as number,
      ),
    );
    const xts: string[] = [];
    for (let k = 0; k < PER_SENDER; k++) {
      for (let s = 0; s < SENDERS; s++)
        xts.push(toHex(sign(genesis, accounts[s]!, transferCall(runtime, dest, DNA), nonces[s]! + k)));
    }
    const startBlock = Number.parseInt(
      ((await rpcCall(node.httpUrl, "chain_getHeader")).result as { number: string }).number,
      16,
    );
    // One WebSocket, pipelined submissions, as a load generator would.
    const ws = new WebSocket(node.wsUrl);
    await new Promise((r) => ws.once("open", r));
    let answered = 0;
    let errors = 0;
    const allAnswered = new Promise<void>((resolve) => {
      ws.on("message", (m) => {
        const msg = JSON.parse(String(m)) as { error?: unknown };
        if (msg.error) errors++;
        if (++answered === xts.length) resolve();
      });
    });
    const t0 = performance.now();
    for (const [i, x] of xts.entries()) {
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: i, method: "author_submitExtrinsic", params: [x] }));
    }
    await allAnswered;
    const submittedMs = performance.now() - t0;
    // Included: count extrinsics in new blocks until all landed; finality: until finalized head covers them.
    let included = 0;
    let lastIncludedAt = 0;
    let checked = startBlock;
    while (included < xts.length - errors) {
      const best = Number.parseInt(
        ((await rpcCall(node.httpUrl, "chain_getHeader")).result as { number: string }).number,
        16,
      );
      for (let n = checked + 1; n <= best; n++) {
        const hash = (await rpcCall(node.httpUrl, "chain_getBlockHash", [n])).result as string;
        const block = (await rpcCall(node.httpUrl, "chain_getBlock", [hash])).result as {
          block: { extrinsics: string[] };
        };
        included += block.block.extrinsics.length - 1; // minus the timestamp inherent
      }
      checked = best;
      lastIncludedAt = performance.now();
      if (performance.now() - t0 > 120_000) break;
      await sleep(20);
    }
    const includedMs = lastIncludedAt - t0;
    for (;;) {
      const fin = Number.parseInt(
        (
          (
            await rpcCall(node.httpUrl, "chain_getHeader", [
              (await rpcCall(node.httpUrl, "chain_getFinalizedHead")).result,
            ])
          ).result as { number: string }
        ).number,
        16,
      );
      if (fin >= checked) break;
      await sleep(20);
    }
    const finalMs = performance.now() - t0;
    ws.close();
    // Reference in the same run and connection style: a no-op RPC method, pipelined the same way.
    const ws2 = new WebSocket(node.wsUrl);
    await new Promise((r) => ws2.once("open", r));
    let n2 = 0;
    const done2 = new Promise<void>((resolve) => ws2.on("message", () => ++n2 === xts.length && resolve()));
    const r0 = performance.now();
    for (let i = 0; i < xts.length; i++)
      ws2.send(JSON.stringify({ jsonrpc: "2.0", id: i, method: "system_health", params: [] }));
    await done2;
    const noopPerSec = (xts.length / (performance.now() - r0)) * 1000;
    ws2.close();
    const rss = await rssOf(node.proc.pid);
    return {
      included,
      errors,
      submittedMs,
      includedPerSec: (included / includedMs) * 1000,
      finalMs,
      noopPerSec,
      blocks: checked - startBlock,
      rss,
    };
  } finally {
    await node.stop();
  }
}

/** V8 heap in use, from the node's own Prometheus endpoint (RSS also counts lmdb's mapped pages). */
async function heapOf(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split("\n").find((l) => l.startsWith("nodejs_heap_size_used_bytes"));
  return Number(line?.split(" ").at(-1) ?? 0) / 2 ** 20;
}

async function rssOf(pid: number): Promise<number> {
  const { readFileSync } = await import("node:fs");
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

// ---- 3. memory at idle and after 10,000 blocks (manual sealing, empty blocks)
async function memory() {
  const base = mkdtempSync(join(tmpdir(), "darwin-mem-"));
  const node = await startDarwinNode([
    "--chain",
    "dev",
    "--alice",
    "--base-path",
    base,
    "--sealing",
    "manual",
    "-l",
    "warn",
  ]);
  try {
    await sleep(2000);
    const idle = await rssOf(node.proc.pid);
    const idleHeap = await heapOf(node.metricsUrl);
    const ws = new WebSocket(node.wsUrl);
    await new Promise((r) => ws.once("open", r));
    const BLOCKS = 10_000;
    const t0 = performance.now();
    for (let i = 0; i < BLOCKS; i++) {
      await new Promise<void>((resolve, reject) => {
        ws.once("message", (m) => {
          const msg = JSON.parse(String(m)) as { error?: { message: string } };
          if (msg.error) reject(new Error(msg.error.message));
          else resolve();
        });
        ws.send(
          JSON.stringify({ jsonrpc: "2.0", id: i, method: "engine_createBlock", params: [true, true] }),
        );
      });
    }
    const ms = performance.now() - t0;
    ws.close();
    await sleep(1000);
    const after = await rssOf(node.proc.pid);
    const afterHeap = await heapOf(node.metricsUrl);
    return { idle, after, idleHeap, afterHeap, blocksPerSec: (BLOCKS / ms) * 1000 };
  } finally {
    await node.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

console.log(machineDescription());
const which = process.env.DARWIN_BENCH_PARTS?.split(",") ?? ["build", "e2e", "memory"];
if (which.includes("build")) {
  const b = await blockBuilding();
  printTable(
    "Block building (in process: runtime + trie + lmdb commit, 2,000 signed transfers in one block)",
    [
      {
        name: "transfers applied per second",
        value: b.perSecond,
        unit: "tx/s",
        reference: { name: "native secp256k1 recovery alone", value: b.recoverPerSecond },
      },
    ],
  );
}
if (which.includes("e2e")) {
  for (const sealing of ["instant", "500"]) {
    const e = await endToEnd(sealing);
    printTable(
      `End to end over RPC (--sealing ${sealing}): ${SENDERS * PER_SENDER} pre-signed transfers from ${SENDERS} accounts`,
      [
        {
          name: "transfers included per second",
          value: e.includedPerSec,
          unit: "tx/s",
          reference: { name: "no-op RPC calls per second, same pipelining", value: e.noopPerSec },
        },
        { name: "time until all included were finalized", value: e.finalMs, unit: "ms" },
        { name: "blocks used", value: e.blocks, unit: "blocks" },
        { name: "rejected at submission", value: e.errors, unit: "tx" },
        { name: "node RSS after the run", value: e.rss, unit: "MiB" },
      ],
    );
  }
}
if (which.includes("memory")) {
  const m = await memory();
  printTable("Node memory, lmdb database, archive state, default 64 MiB trie cache", [
    {
      name: "RSS after 10,000 blocks",
      value: m.after,
      unit: "MiB",
      reference: { name: "RSS idle after start", value: m.idle },
    },
    {
      name: "V8 heap used after 10,000 blocks",
      value: m.afterHeap,
      unit: "MiB",
      reference: { name: "heap used idle after start", value: m.idleHeap },
    },
    {
      name: "empty blocks authored + finalized per second (engine_createBlock)",
      value: m.blocksPerSec,
      unit: "blocks/s",
    },
  ]);
}
