import { describe, expect, it } from "vitest";
import { TransactionPool } from "../src/txpool/index.ts";
import { decodeTx, encodeTx, shuffle, ToyChain } from "./txpool-helpers.ts";

const SENDERS = 50;
const NONCES = 100;

function allTransactions(seed: number): Uint8Array[] {
  const xts: Uint8Array[] = [];
  for (let s = 1; s <= SENDERS; s++) {
    for (let n = 0; n < NONCES; n++) xts.push(encodeTx({ signer: s, nonce: n, tip: (s * 7 + n) % 13 }));
  }
  return shuffle(xts, seed);
}

function expectValidOrder(order: readonly Uint8Array[]): void {
  const next = new Map<number, number>();
  for (const data of order) {
    const { signer, nonce } = decodeTx(data);
    expect(nonce, `signer ${signer}`).toBe(next.get(signer) ?? 0);
    next.set(signer, nonce + 1);
  }
}

describe("load", () => {
  it("accepts 5,000 in-order submissions with the default limits, as an RPC client sends them", async () => {
    const chain = new ToyChain(SENDERS);
    const pool = new TransactionPool({}, { validator: chain });
    const xts: Uint8Array[] = [];
    for (let n = 0; n < NONCES; n++)
      for (let s = 1; s <= SENDERS; s++) xts.push(encodeTx({ signer: s, nonce: n }));
    await Promise.all(xts.map((xt) => pool.submit(xt, chain.head)));
    expect(pool.status()).toMatchObject({ ready: SENDERS * NONCES, future: 0 });
    expectValidOrder([...pool.ready()].map((tx) => tx.data));
  });

  it("accepts 50 senders x 100 nonces submitted shuffled and concurrently, and yields them in nonce order", async () => {
    const chain = new ToyChain(SENDERS);
    // Shuffled, most transactions arrive before their predecessor: the future queue must hold them.
    const pool = new TransactionPool({ futureLimit: SENDERS * NONCES }, { validator: chain });
    const xts = allTransactions(7);

    const cpu = process.cpuUsage();
    await Promise.all(xts.map((xt) => pool.submit(xt, chain.head)));
    const submitted = process.cpuUsage(cpu);
    expect(pool.status()).toMatchObject({ ready: SENDERS * NONCES, future: 0 });

    const ordered = [...pool.ready()].map((tx) => tx.data);
    const iterated = process.cpuUsage(cpu);
    expect(ordered.length).toBe(SENDERS * NONCES);
    expectValidOrder(ordered);

    // Drain through blocks of 1,000 as a block producer would.
    let blocks = 0;
    while (pool.status().ready > 0) {
      const included = await chain.produceBlock(pool, 1000);
      expect(included.length).toBeGreaterThan(0);
      blocks++;
    }
    const drained = process.cpuUsage(cpu);
    expect(blocks).toBe(5);
    for (const account of chain.accounts.values()) expect(account.nonce).toBe(NONCES);
    // Informational only (tests never assert on time): CPU ms including the toy validator.
    console.log(
      `txpool 5,000 txs: submit ${(submitted.user + submitted.system) / 1000} ms, +ready() ${
        (iterated.user + iterated.system - submitted.user - submitted.system) / 1000
      } ms, total with drain ${(drained.user + drained.system) / 1000} ms CPU`,
    );
  });

  it("keeps every transaction accounted for when submissions and blocks interleave", async () => {
    const chain = new ToyChain(SENDERS);
    chain.delayTurns = 3;
    const pool = new TransactionPool(
      { revalidationBatchSize: 64, futureLimit: SENDERS * NONCES },
      { validator: chain },
    );
    const xts = allTransactions(11);
    const outcomes: Array<Promise<unknown>> = [];
    for (let i = 0; i < xts.length; i += 250) {
      for (const xt of xts.slice(i, i + 250)) outcomes.push(pool.submit(xt, chain.head).catch((err) => err));
      await chain.produceBlock(pool, 300);
    }
    const results = await Promise.all(outcomes);
    expect(results.filter((r) => r instanceof Error)).toEqual([]);
    let rounds = 0;
    while (pool.status().ready > 0 && rounds++ < 100) await chain.produceBlock(pool, 500);
    expect(pool.status()).toMatchObject({ ready: 0, future: 0 });
    for (const account of chain.accounts.values()) expect(account.nonce).toBe(NONCES);
  });
});
