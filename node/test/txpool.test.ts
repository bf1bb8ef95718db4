import { blake2_256 } from "@darwin/crypto";
import { createRegistry } from "@darwin/observability";
import { toHex } from "@darwin/scale";
import { describe, expect, it } from "vitest";
import {
  isPoolError,
  type PoolError,
  type PoolOptions,
  PoolOptionsError,
  poolErrorToRpc,
  TransactionPool,
  type TxStatus,
} from "../src/txpool/index.ts";
import {
  decodeTx,
  encodeTx,
  FLAG_BAD_PROOF,
  FLAG_UNKNOWN,
  hashOf,
  ManualClock,
  ToyChain,
  tag,
} from "./txpool-helpers.ts";

function setup(signers = 3, opts: Partial<PoolOptions> = {}) {
  const chain = new ToyChain(signers);
  const clock = new ManualClock();
  const pool = new TransactionPool(opts, { validator: chain, clock });
  return { chain, clock, pool };
}

/**
 * Applies `xts` as the chain's next block and announces it to the pool: with the bodies (as the
 * node's own import does) or only their hashes (a block from elsewhere); `before` runs in between.
 */
async function importBlock(
  chain: ToyChain,
  pool: TransactionPool,
  xts: Uint8Array[],
  opts: { readonly bodies?: boolean; readonly before?: () => void } = {},
): Promise<void> {
  const parentHash = chain.hash;
  chain.applyBlock(xts);
  opts.before?.();
  await pool.onBlockImported({
    hash: chain.hash,
    number: chain.number,
    extrinsicHashes: xts.map((xt) => blake2_256(xt)),
    ...(opts.bodies ? { parentHash, extrinsics: xts } : {}),
  });
}

async function rejection(promise: Promise<unknown>): Promise<PoolError> {
  try {
    await promise;
  } catch (err) {
    if (isPoolError(err)) return err;
    throw err;
  }
  throw new Error("expected a PoolError");
}

function readyNonces(pool: TransactionPool): string[] {
  return [...pool.ready()].map((tx) => {
    const t = decodeTx(tx.data);
    return `${t.signer}:${t.nonce}`;
  });
}

describe("ready and future queues", () => {
  it("puts the next nonce in ready and a gapped nonce in future", async () => {
    const { chain, pool } = setup();
    const h0 = await pool.submit(encodeTx({ signer: 1, nonce: 0 }), chain.head);
    await pool.submit(encodeTx({ signer: 1, nonce: 2 }), chain.head);
    expect(pool.status()).toMatchObject({ ready: 1, future: 1 });
    expect(toHex(h0)).toBe(hashOf(encodeTx({ signer: 1, nonce: 0 })));
    expect(readyNonces(pool)).toEqual(["1:0"]);
    expect(pool.pending().map((tx) => decodeTx(tx.data).nonce)).toEqual([0, 2]);
  });

  it("promotes futures when the gap fills, in nonce order", async () => {
    const { chain, pool } = setup();
    await pool.submit(encodeTx({ signer: 1, nonce: 3 }), chain.head);
    await pool.submit(encodeTx({ signer: 1, nonce: 2 }), chain.head);
    await pool.submit(encodeTx({ signer: 1, nonce: 0 }), chain.head);
    expect(pool.status()).toMatchObject({ ready: 1, future: 2 });
    await pool.submit(encodeTx({ signer: 1, nonce: 1 }), chain.head);
    expect(pool.status()).toMatchObject({ ready: 4, future: 0 });
    expect(readyNonces(pool)).toEqual(["1:0", "1:1", "1:2", "1:3"]);
  });

  it("orders independent senders by priority, then age, dependencies first", async () => {
    const { chain, pool } = setup();
    await pool.submit(encodeTx({ signer: 1, nonce: 0, tip: 1 }), chain.head);
    await pool.submit(encodeTx({ signer: 1, nonce: 1, tip: 100 }), chain.head);
    await pool.submit(encodeTx({ signer: 2, nonce: 0, tip: 5 }), chain.head);
    await pool.submit(encodeTx({ signer: 3, nonce: 0, tip: 5 }), chain.head);
    // 2:0 and 3:0 tie on priority: older first; 1:1 pays most but must follow 1:0.
    expect(readyNonces(pool)).toEqual(["2:0", "3:0", "1:0", "1:1"]);
  });

  it("answers which tags the ready queue provides, for the next account index", async () => {
    const { chain, pool } = setup();
    for (const nonce of [0, 1, 3]) await pool.submit(encodeTx({ signer: 1, nonce }), chain.head);
    let next = chain.accounts.get(1)!.nonce;
    while (pool.readyProvides(tag(1, next))) next++;
    expect(next).toBe(2);
    expect(pool.readyProvides(tag(2, 0))).toBe(false);
  });

  it("skips the dependents of a transaction the block builder reports", async () => {
    const { chain, pool } = setup();
    for (let n = 0; n < 3; n++) await pool.submit(encodeTx({ signer: 1, nonce: n }), chain.head);
    await pool.submit(encodeTx({ signer: 2, nonce: 0 }), chain.head);
    const seen: string[] = [];
    const iterator = pool.ready();
    for (const tx of iterator) {
      const t = decodeTx(tx.data);
      seen.push(`${t.signer}:${t.nonce}`);
      if (t.signer === 1 && t.nonce === 0) iterator.reportInvalid(tx.hash);
    }
    expect(seen).toEqual(["1:0", "2:0"]);
  });
});

describe("rejections", () => {
  it("rejects a stale nonce with the runtime's reason, maps it to 1010 and bans it", async () => {
    const { chain, pool } = setup();
    chain.accounts.get(1)!.nonce = 5;
    const xt = encodeTx({ signer: 1, nonce: 3 });
    const err = await rejection(pool.submit(xt, chain.head));
    expect(err.code).toBe("InvalidTransaction");
    expect(err.validity).toEqual({ type: "Invalid", value: { type: "Stale" } });
    expect(poolErrorToRpc(err)).toEqual({
      code: 1010,
      message: "Invalid Transaction",
      data: "Transaction is outdated",
    });
    const again = await rejection(pool.submit(xt, chain.head));
    expect(again.code).toBe("TemporarilyBanned");
    expect(poolErrorToRpc(again).code).toBe(1012);
    expect(pool.status()).toMatchObject({ ready: 0, future: 0 });
  });

  it("rejects a bad signature as BadProof and unknown validity without banning", async () => {
    const { chain, pool } = setup();
    const bad = await rejection(
      pool.submit(encodeTx({ signer: 1, nonce: 0, flags: FLAG_BAD_PROOF }), chain.head),
    );
    expect(poolErrorToRpc(bad)).toMatchObject({ code: 1010, data: "Transaction has a bad signature" });
    const unknownXt = encodeTx({ signer: 1, nonce: 0, flags: FLAG_UNKNOWN });
    const unknown = await rejection(pool.submit(unknownXt, chain.head));
    expect(unknown.code).toBe("UnknownTransaction");
    expect(poolErrorToRpc(unknown).code).toBe(1011);
    expect(pool.isBanned(blake2_256(unknownXt))).toBe(false);
  });

  it("answers AlreadyImported for a duplicate, also when both race through validation", async () => {
    const { chain, pool } = setup();
    const xt = encodeTx({ signer: 1, nonce: 0 });
    const results = await Promise.allSettled([pool.submit(xt, chain.head), pool.submit(xt, chain.head)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((failed.reason as PoolError).code).toBe("AlreadyImported");
    const validations = chain.validations;
    const err = await rejection(pool.submit(xt, chain.head));
    expect(err.code).toBe("AlreadyImported");
    expect(poolErrorToRpc(err).code).toBe(1013);
    expect(chain.validations).toBe(validations); // known transactions are not validated again
    expect(pool.status().ready).toBe(1);
  });

  it("refuses oversized transactions before validating them", async () => {
    const { chain, pool } = setup(1, { maxTxBytes: 100 });
    const err = await rejection(pool.submit(encodeTx({ signer: 1, nonce: 0, size: 101 }), chain.head));
    expect(err.validity).toEqual({ type: "Invalid", value: { type: "ExhaustsResources" } });
    expect(chain.validations).toBe(0);
    await pool.submit(encodeTx({ signer: 1, nonce: 0, size: 100 }), chain.head);
  });

  it("rejects invalid options with a typed error", () => {
    const chain = new ToyChain(1);
    expect(() => new TransactionPool({ readyLimit: -1 }, { validator: chain })).toThrow(PoolOptionsError);
    expect(() => new TransactionPool({ banTimeMs: Number.NaN }, { validator: chain })).toThrow(
      /banTimeMs must be a non-negative integer/,
    );
  });
});

describe("replacement", () => {
  it("replaces a transaction by one with a higher tip and refuses equal or lower", async () => {
    const { chain, pool } = setup();
    const first = await pool.submitAndWatch(encodeTx({ signer: 1, nonce: 0, tip: 10 }), chain.head);
    await pool.submit(encodeTx({ signer: 1, nonce: 1, tip: 10 }), chain.head);
    const equal = await rejection(
      pool.submit(encodeTx({ signer: 1, nonce: 0, tip: 10, salt: 1 }), chain.head),
    );
    expect(equal.code).toBe("TooLowPriority");
    expect(poolErrorToRpc(equal)).toMatchObject({ code: 1014, message: "Priority is too low: (10 vs 10)" });
    const lower = await rejection(
      pool.submit(encodeTx({ signer: 1, nonce: 0, tip: 9, salt: 2 }), chain.head),
    );
    expect(lower.code).toBe("TooLowPriority");

    const better = encodeTx({ signer: 1, nonce: 0, tip: 11, salt: 3 });
    const betterHash = await pool.submit(better, chain.head);
    expect(first.events.statuses).toEqual(["ready", { usurped: toHex(betterHash) }]);
    expect(first.events.done).toBe(true);
    expect(pool.has(first.hash)).toBe(false);
    // The dependent of the replaced transaction now hangs on the replacement.
    expect(readyNonces(pool)).toEqual(["1:0", "1:1"]);
    expect(toHex([...pool.ready()][0]!.hash)).toBe(toHex(betterHash));
  });
});

describe("limits", () => {
  it("drops the lowest-priority ready transaction, or refuses the newcomer when it is the lowest", async () => {
    const { chain, pool } = setup(5, { readyLimit: 3 });
    const watched = [];
    for (let s = 1; s <= 3; s++) {
      watched.push(await pool.submitAndWatch(encodeTx({ signer: s, nonce: 0, tip: 5 }), chain.head));
    }
    const low = await rejection(pool.submit(encodeTx({ signer: 4, nonce: 0, tip: 1 }), chain.head));
    expect(low.code).toBe("ImmediatelyDropped");
    expect(poolErrorToRpc(low).code).toBe(1016);
    expect(pool.status().ready).toBe(3);

    await pool.submit(encodeTx({ signer: 5, nonce: 0, tip: 9 }), chain.head);
    expect(pool.status().ready).toBe(3);
    // Equal priorities: Substrate drops the older one.
    expect(watched[0]!.events.statuses).toEqual(["ready", "dropped"]);
    expect(watched[1]!.events.statuses).toEqual(["ready"]);
    expect(readyNonces(pool)).toEqual(["5:0", "2:0", "3:0"]);
  });

  it("drops a dropped transaction's dependents with it", async () => {
    const { chain, pool } = setup(2, { readyLimit: 3 });
    await pool.submit(encodeTx({ signer: 1, nonce: 0, tip: 1 }), chain.head);
    await pool.submit(encodeTx({ signer: 1, nonce: 1, tip: 50 }), chain.head);
    await pool.submit(encodeTx({ signer: 2, nonce: 0, tip: 5 }), chain.head);
    await pool.submit(encodeTx({ signer: 2, nonce: 1, tip: 5 }), chain.head);
    expect(readyNonces(pool)).toEqual(["2:0", "2:1"]);
  });

  it("enforces the ready byte limit", async () => {
    const { chain, pool } = setup(3, { readyBytesLimit: 250 });
    await pool.submit(encodeTx({ signer: 1, nonce: 0, tip: 2, size: 100 }), chain.head);
    await pool.submit(encodeTx({ signer: 2, nonce: 0, tip: 3, size: 100 }), chain.head);
    await pool.submit(encodeTx({ signer: 3, nonce: 0, tip: 4, size: 100 }), chain.head);
    expect(readyNonces(pool)).toEqual(["3:0", "2:0"]);
    expect(pool.status().readyBytes).toBe(200);
  });

  it("drops the oldest future transaction when the future queue is full", async () => {
    const { chain, pool } = setup(3, { futureLimit: 2 });
    const oldest = await pool.submitAndWatch(encodeTx({ signer: 1, nonce: 5 }), chain.head);
    await pool.submit(encodeTx({ signer: 2, nonce: 5 }), chain.head);
    await pool.submit(encodeTx({ signer: 3, nonce: 5 }), chain.head);
    expect(pool.status()).toMatchObject({ ready: 0, future: 2 });
    expect(oldest.events.statuses).toEqual(["future", "dropped"]);
  });
});

describe("bans", () => {
  it("lifts a ban after banTimeMs", async () => {
    const { chain, clock, pool } = setup(1, { banTimeMs: 60_000 });
    chain.accounts.get(1)!.balance = 0;
    const xt = encodeTx({ signer: 1, nonce: 0 });
    expect((await rejection(pool.submit(xt, chain.head))).validity?.value.type).toBe("Payment");
    chain.accounts.get(1)!.balance = 10; // funded meanwhile, but the ban holds
    clock.advance(59_999);
    expect((await rejection(pool.submit(xt, chain.head))).code).toBe("TemporarilyBanned");
    clock.advance(1);
    await pool.submit(xt, chain.head);
    expect(pool.status().ready).toBe(1);
  });

  it("bans what a block included, so a resubmission is refused", async () => {
    const { chain, pool } = setup(1);
    const xt = encodeTx({ signer: 1, nonce: 0 });
    await pool.submit(xt, chain.head);
    await chain.produceBlock(pool);
    expect(pool.status()).toMatchObject({ ready: 0, future: 0 });
    expect((await rejection(pool.submit(xt, chain.head))).code).toBe("TemporarilyBanned");
  });

  it("removeInvalid removes the subtree and bans the reported transaction", async () => {
    const { chain, pool } = setup(2);
    const xt0 = encodeTx({ signer: 1, nonce: 0 });
    await pool.submit(xt0, chain.head);
    const dep = await pool.submitAndWatch(encodeTx({ signer: 1, nonce: 1 }), chain.head);
    await pool.submit(encodeTx({ signer: 2, nonce: 0 }), chain.head);
    const removed = pool.removeInvalid([blake2_256(xt0)]);
    expect(removed.length).toBe(2);
    expect(dep.events.statuses).toEqual(["ready", "invalid"]);
    expect(readyNonces(pool)).toEqual(["2:0"]);
    expect((await rejection(pool.submit(xt0, chain.head))).code).toBe("TemporarilyBanned");
  });
});

describe("block import", () => {
  it("removes included transactions and keeps their successors ready", async () => {
    const { chain, pool } = setup(1);
    for (let n = 0; n < 4; n++) await pool.submit(encodeTx({ signer: 1, nonce: n }), chain.head);
    const included = await chain.produceBlock(pool, 2);
    expect(included.map((xt) => decodeTx(xt).nonce)).toEqual([0, 1]);
    expect(readyNonces(pool)).toEqual(["1:2", "1:3"]);
    await chain.produceBlock(pool);
    expect(pool.status()).toMatchObject({ ready: 0, future: 0 });
  });

  it("promotes a future whose missing tag the block provided", async () => {
    const { chain, pool } = setup(1);
    // Nonce 0 arrives only in someone else's block; the pool holds nonce 1 in future.
    await pool.submit(encodeTx({ signer: 1, nonce: 1 }), chain.head);
    expect(pool.status()).toMatchObject({ ready: 0, future: 1 });
    const foreign = encodeTx({ signer: 1, nonce: 0, salt: 99 });
    await importBlock(chain, pool, [foreign], { bodies: true });
    expect(pool.status()).toMatchObject({ ready: 1, future: 0 });
  });

  it("promotes a future through revalidation when only the block's hashes are known", async () => {
    const { chain, pool } = setup(1);
    const watched = await pool.submitAndWatch(encodeTx({ signer: 1, nonce: 1 }), chain.head);
    const foreign = encodeTx({ signer: 1, nonce: 0, salt: 5 });
    await importBlock(chain, pool, [foreign]);
    expect(watched.events.statuses).toEqual(["future", "ready"]);
    expect(readyNonces(pool)).toEqual(["1:1"]);
    expect(pool.get(watched.hash)?.requires).toEqual([]);
  });

  it("revalidates after a block and drops what became invalid", async () => {
    const { chain, pool } = setup(3);
    const mine = await pool.submitAndWatch(encodeTx({ signer: 1, nonce: 0 }), chain.head);
    await pool.submit(encodeTx({ signer: 1, nonce: 1 }), chain.head);
    const broke = await pool.submitAndWatch(encodeTx({ signer: 2, nonce: 0 }), chain.head);
    await pool.submit(encodeTx({ signer: 3, nonce: 0 }), chain.head);
    // A block from elsewhere (no extrinsic bodies given) used signer 1's nonce 0 and emptied signer 2.
    const foreign = encodeTx({ signer: 1, nonce: 0, salt: 7 });
    await importBlock(chain, pool, [foreign], {
      before: () => {
        chain.accounts.get(2)!.balance = 0;
      },
    });

    expect(mine.events.statuses).toEqual(["ready", "invalid"]);
    expect(broke.events.statuses).toEqual(["ready", "invalid"]);
    expect(pool.isBanned(mine.hash)).toBe(true);
    // Signer 1's nonce 1 is next on chain now: it stays ready without its former parent.
    expect(readyNonces(pool).sort()).toEqual(["1:1", "3:0"]);
  });

  it("runs background revalidation at most once per interval, conflicts at every block", async () => {
    const { chain, clock, pool } = setup(3, { revalidationIntervalMs: 200 });
    const idle = await pool.submitAndWatch(encodeTx({ signer: 3, nonce: 0 }), chain.head);
    const importEmpty = async () => {
      await importBlock(chain, pool, []);
    };
    await importEmpty(); // the first background batch: signer 3 still valid
    // Signer 3 is emptied by something the pool cannot see; within the interval nobody looks again.
    chain.accounts.get(3)!.balance = 0;
    clock.advance(100);
    await importEmpty();
    expect(idle.events.statuses).toEqual(["ready"]);
    // A block that consumes a pooled nonce is acted on at once, interval or not.
    const mine = await pool.submitAndWatch(encodeTx({ signer: 1, nonce: 0 }), chain.head);
    const foreign = encodeTx({ signer: 1, nonce: 0, salt: 9 });
    await importBlock(chain, pool, [foreign], { bodies: true, before: () => clock.advance(50) });
    expect(mine.events.statuses).toEqual(["ready", "invalid"]);
    expect(idle.events.statuses).toEqual(["ready"]);
    // Once the interval has passed, the next block's background batch finds signer 3 out of funds.
    clock.advance(100);
    await importEmpty();
    expect(idle.events.statuses).toEqual(["ready", "invalid"]);
  });

  it("evicts a conflicting transaction at once when the block's bodies are given", async () => {
    const { chain, pool } = setup(1, { revalidationBatchSize: 0 });
    const mine = await pool.submitAndWatch(encodeTx({ signer: 1, nonce: 0 }), chain.head);
    await pool.submit(encodeTx({ signer: 1, nonce: 2 }), chain.head);
    const foreign = encodeTx({ signer: 1, nonce: 0, salt: 7 });
    await importBlock(chain, pool, [foreign], { bodies: true });
    expect(mine.events.statuses).toEqual(["ready", "invalid"]);
    expect(pool.status()).toMatchObject({ ready: 0, future: 1 });
  });

  it("expires transactions past their longevity", async () => {
    const { chain, pool } = setup(1, { revalidationBatchSize: 0 });
    chain.longevity = 2n;
    const watched = await pool.submitAndWatch(encodeTx({ signer: 1, nonce: 0 }), chain.head);
    for (let i = 0; i < 2; i++) {
      await importBlock(chain, pool, []);
    }
    expect(pool.status().ready).toBe(1);
    await importBlock(chain, pool, []);
    expect(watched.events.statuses).toEqual(["ready", "invalid"]);
    expect(pool.status().ready).toBe(0);
  });

  it("judges a submission at the newest block when a block lands during validation", async () => {
    const { chain, pool } = setup(1);
    chain.delayTurns = 20;
    const xt = encodeTx({ signer: 1, nonce: 0 });
    const staleHead = chain.head;
    const submitted = pool.submit(xt, staleHead);
    const foreign = encodeTx({ signer: 1, nonce: 0, salt: 1 });
    await importBlock(chain, pool, [foreign]);
    const err = await rejection(submitted);
    expect(err.validity?.value.type).toBe("Stale");
    expect(pool.status().ready).toBe(0);
  });
});

describe("watching", () => {
  it("reports ready -> inBlock -> finalized and then ends", async () => {
    const { chain, pool } = setup(1);
    const watched = await pool.submitAndWatch(encodeTx({ signer: 1, nonce: 0 }), chain.head);
    const collected: TxStatus[] = [];
    const done = (async () => {
      for await (const status of watched.events) collected.push(status);
    })();
    await chain.produceBlock(pool);
    const blockHex = toHex(chain.hash);
    pool.onBlockFinalized(chain.hash, [watched.hash]);
    await done;
    expect(collected).toEqual(["ready", { inBlock: blockHex }, { finalized: blockHex }]);
  });

  it("reports future -> ready when the gap fills, and replays to late listeners", async () => {
    const { chain, pool } = setup(1);
    const watched = await pool.submitAndWatch(encodeTx({ signer: 1, nonce: 1 }), chain.head);
    await pool.submit(encodeTx({ signer: 1, nonce: 0 }), chain.head);
    const seen: TxStatus[] = [];
    const stop = watched.watch((s) => seen.push(s));
    expect(seen).toEqual(["future", "ready"]);
    stop();
    expect(watched.events.done).toBe(true);
    expect(pool.has(watched.hash)).toBe(true); // unwatching leaves the transaction in the pool
  });

  it("times out finality after finalityTimeoutBlocks", async () => {
    const { chain, pool } = setup(1, { finalityTimeoutBlocks: 2 });
    const watched = await pool.submitAndWatch(encodeTx({ signer: 1, nonce: 0 }), chain.head);
    await chain.produceBlock(pool);
    const inBlock = toHex(chain.hash);
    await chain.produceBlock(pool);
    await chain.produceBlock(pool);
    expect(watched.events.statuses).toEqual(["ready", { inBlock }, { finalityTimeout: inBlock }]);
  });
});

describe("failures of the validator", () => {
  it("passes a throwing validator's error to the submitter and keeps the pool intact", async () => {
    const { chain, pool } = setup(1);
    await pool.submit(encodeTx({ signer: 1, nonce: 0 }), chain.head);
    const original = chain.validate.bind(chain);
    chain.validate = async () => {
      throw new Error("runtime trapped");
    };
    await expect(pool.submit(encodeTx({ signer: 1, nonce: 1 }), chain.head)).rejects.toThrow(
      "runtime trapped",
    );
    // Revalidation failures keep the transaction (it may be fine; the runtime call was not).
    await importBlock(chain, pool, []);
    expect(pool.status().ready).toBe(1);
    chain.validate = original;
    await pool.submit(encodeTx({ signer: 1, nonce: 1 }), chain.head);
    expect(pool.status().ready).toBe(2);
  });
});

describe("aging", () => {
  it("drops futures that waited longer than the ban time", async () => {
    const { chain, clock, pool } = setup(1, { banTimeMs: 1000, revalidationBatchSize: 0 });
    const watched = await pool.submitAndWatch(encodeTx({ signer: 1, nonce: 3 }), chain.head);
    clock.advance(1001);
    await importBlock(chain, pool, []);
    expect(watched.events.statuses).toEqual(["future", "dropped"]);
    expect(pool.status().future).toBe(0);
  });

  it("reports retracted when a block leaves the best chain", async () => {
    const { chain, pool } = setup(1);
    const watched = await pool.submitAndWatch(encodeTx({ signer: 1, nonce: 0 }), chain.head);
    await chain.produceBlock(pool);
    pool.onBlockRetracted(chain.hash);
    const blockHex = toHex(chain.hash);
    expect(watched.events.statuses).toEqual(["ready", { inBlock: blockHex }, { retracted: blockHex }]);
    expect(watched.events.done).toBe(false);
  });
});

describe("metrics", () => {
  it("publishes substrate_ready_transactions_number", async () => {
    const chain = new ToyChain(2);
    const registry = createRegistry({ defaultMetrics: false });
    const pool = new TransactionPool({}, { validator: chain, registry });
    await pool.submit(encodeTx({ signer: 1, nonce: 0 }), chain.head);
    await pool.submit(encodeTx({ signer: 2, nonce: 0 }), chain.head);
    await pool.submit(encodeTx({ signer: 2, nonce: 3 }), chain.head);
    const text = await registry.metrics();
    expect(text).toMatch(/^substrate_ready_transactions_number 2$/m);
    expect(text).toMatch(/^substrate_sub_txpool_submitted_transactions 3$/m);
  });
});
