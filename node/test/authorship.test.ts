// Blocks built on the authorship worker thread are the blocks the node's own thread would build, and
// the worker follows the chain as the main thread commits to the shared lmdb environment.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devEthereumAccounts } from "@darwin/crypto";
import { silentLogger } from "@darwin/observability";
import { timestamp } from "@darwin/pallets";
import { DarwinRuntime, encodeUnsignedExtrinsic } from "@darwin/runtime-spec";
import { encode, toHex, u64 } from "@darwin/scale";
import { createTx } from "@ethereumjs/tx";
import { afterEach, describe, expect, it } from "vitest";
import { WorkerBlockBuilder } from "../src/authorship/index.ts";
import { type BuildRequest, Chain } from "../src/chain/chain.ts";
import { loadChainSpec, orderedTrieRoot } from "../src/chain-spec/index.ts";
import { preRuntimeDigest } from "../src/consensus/aura.ts";
import { openChainDb } from "../src/db/index.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const path = mkdtempSync(join(tmpdir(), "darwin-authorship-"));
  const db = openChainDb({ path, nodeCacheEntries: 10_000, durable: false }, { logger: silentLogger() });
  const runtime = new DarwinRuntime({ orderedTrieRoot });
  const chain = new Chain({ spec: loadChainSpec("dev") }, { db, runtime, logger: silentLogger() });
  await chain.init();
  const worker = new WorkerBlockBuilder({ path, durable: false }, { chain, logger: silentLogger() });
  cleanups.push(() => rmSync(path, { recursive: true, force: true }));
  cleanups.push(() => db.close());
  cleanups.push(() => worker.stop());
  return { chain, worker, runtime };
}

/** An EIP-1559 transfer from dev account `who`, wrapped as the unsigned `ethereum.transact` extrinsic. */
function ethTransfer(
  runtime: DarwinRuntime,
  who: number,
  nonce: number,
): { hash: Uint8Array; bytes: Uint8Array; raw: Uint8Array } {
  const common = runtime.pallets.frontier.evm.runner.common;
  const raw = createTx(
    {
      type: 2,
      nonce: BigInt(nonce),
      to: devEthereumAccounts()[5]!.address,
      value: 1000n,
      gasLimit: 21_000n,
      maxFeePerGas: 10_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    },
    { common },
  )
    .sign(devEthereumAccounts()[who]!.secretKey)
    .serialize();
  const call = { type: "Ethereum", value: { type: "transact", value: { transaction: raw } } } as never;
  const bytes = encodeUnsignedExtrinsic(encode(runtime.composed.callCodec, call));
  return { hash: raw.subarray(0, 32), bytes, raw };
}

function request(
  chain: Chain,
  candidates: BuildRequest["candidates"],
  slot: bigint,
  now: bigint,
): BuildRequest {
  return {
    parent: chain.best(),
    preRuntime: [preRuntimeDigest(slot)],
    inherentData: new Map([[timestamp.TIMESTAMP_INHERENT_ID, encode(u64, now)]]),
    candidates,
  };
}

describe("authorship worker", () => {
  it("builds the same block as the node's own thread, and follows the chain as blocks are committed", async () => {
    const { chain, worker, runtime } = await setup();
    let now = 1_700_000_000_000n;
    for (let n = 0; n < 3; n++) {
      now += 6000n;
      const txs = [
        ethTransfer(runtime, 0, 2 * n),
        ethTransfer(runtime, 0, 2 * n + 1),
        ethTransfer(runtime, 1, n),
      ];
      // The RPC thread validates submissions first (recovering their signers), as the pool does.
      for (const t of txs) runtime.pallets.frontier.ethereum.decode(t.raw);
      const req = request(chain, txs, 1000n + BigInt(n), now);
      const inWorker = await worker.build(req);
      const inline = await chain.buildBlock(req);
      expect(toHex(inWorker.hash)).toBe(toHex(inline.hash));
      expect(toHex(inWorker.root)).toBe(toHex(inline.root));
      expect([...inWorker.nodes.keys()].sort()).toEqual([...inline.nodes.keys()].sort());
      expect(inWorker.included).toHaveLength(3);
      expect(inWorker.extrinsics.map(toHex)).toEqual(inline.extrinsics.map(toHex));
      // Commit the worker's block on the main thread; the next build must start from it.
      const ref = await chain.importBuilt(inWorker, inWorker.header, { finalize: false });
      expect(chain.best()).toEqual(ref);
    }
    expect(chain.best().number).toBe(3);
    // The worker took those signers from this thread instead of recovering them again.
    expect(worker.signersReused).toBe(9);
  });

  it("reports transactions the runtime refuses, as the inline builder does", async () => {
    const { chain, worker, runtime } = await setup();
    // A nonce already in the past cannot be included: Stale, reported as invalid.
    const first = ethTransfer(runtime, 2, 0);
    const built = await worker.build(request(chain, [first], 1000n, 1_700_000_006_000n));
    await chain.importBuilt(built, built.header, { finalize: false });
    const again = await worker.build(request(chain, [ethTransfer(runtime, 2, 0)], 1001n, 1_700_000_012_000n));
    expect(again.included).toHaveLength(0);
    expect(again.invalid).toHaveLength(1);
    expect(again.invalid[0]!.result).toMatchObject({ err: { type: "Invalid", value: { type: "Stale" } } });
  });

  it("falls back to the node's own thread when the worker dies, and keeps building", async () => {
    const { chain, worker } = await setup();
    await worker.build(request(chain, [], 1000n, 1_700_000_006_000n));
    // Kill the thread as a crash would.
    await (worker as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const built = await worker.build(request(chain, [], 1000n, 1_700_000_006_000n));
    const inline = await chain.buildBlock(request(chain, [], 1000n, 1_700_000_006_000n));
    expect(toHex(built.hash)).toBe(toHex(inline.hash));
  });
});
