// Unit tests of the Ethereum RPC's pure parts: revert reasons, log criteria, replacement slots,
// getLogs caps and filter polling over an in-memory chain.
import { EventEmitter } from "node:events";
import { keccak256 } from "@darwin/crypto";
import { createLogger } from "@darwin/observability";
import { fromHex, toHex } from "@darwin/scale";
import { encodeErrorResult, parseAbi } from "viem";
import { describe, expect, it } from "vitest";
import type { EthDeps } from "../src/eth/context.ts";
import { revertReason } from "../src/eth/errors.ts";
import type { EthBlockData } from "../src/eth/index-store.ts";
import { blockMayMatch, bloomMayContain, logMatches, parseCriteria } from "../src/eth/logs.ts";
import { PendingSlots } from "../src/eth/pending.ts";
import { ethFilterMethods } from "../src/rpc/handlers/eth-filter.ts";
import type { RpcCallContext, RpcCallMethod } from "../src/rpc/server/index.ts";

/** Sets the three bloom bits of `item`, as Ethereum does (the inverse of bloomMayContain). */
function addToBloom(bloom: Uint8Array, item: Uint8Array): void {
  const h = keccak256(item);
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i]! << 8) | h[i + 1]!) & 2047;
    bloom[255 - (bit >> 3)]! |= 1 << (bit & 7);
  }
}

describe("revertReason", () => {
  it("decodes Error(string) and ignores anything else", () => {
    const data = encodeErrorResult({
      abi: parseAbi(["error Error(string)"]),
      errorName: "Error",
      args: ["ERC20: insufficient allowance"],
    });
    expect(revertReason(fromHex(data))).toBe("ERC20: insufficient allowance");
    expect(revertReason(fromHex("0x12345678"))).toBeUndefined();
    expect(revertReason(new Uint8Array(0))).toBeUndefined();
    // A length pointing past the data is not a reason.
    const bad = fromHex(data);
    bad[67] = 0xff;
    expect(revertReason(bad)).toBeUndefined();
  });
});

describe("log criteria", () => {
  const address = fromHex(`0x${"11".repeat(20)}`);
  const topicA = fromHex(`0x${"aa".repeat(32)}`);
  const topicB = fromHex(`0x${"bb".repeat(32)}`);
  const log = { address, topics: [topicA, topicB], data: new Uint8Array(0) };

  it("matches addresses and positional topics with null wildcards and alternatives", () => {
    expect(logMatches(log, parseCriteria({}))).toBe(true);
    expect(logMatches(log, parseCriteria({ address: toHex(address) }))).toBe(true);
    expect(logMatches(log, parseCriteria({ address: [`0x${"22".repeat(20)}`] }))).toBe(false);
    expect(logMatches(log, parseCriteria({ topics: [null, toHex(topicB)] }))).toBe(true);
    expect(logMatches(log, parseCriteria({ topics: [[toHex(topicB), toHex(topicA)]] }))).toBe(true);
    expect(logMatches(log, parseCriteria({ topics: [toHex(topicB)] }))).toBe(false);
    expect(logMatches(log, parseCriteria({ topics: [null, null, toHex(topicA)] }))).toBe(false);
  });

  it("refuses malformed criteria with invalid params", () => {
    expect(() => parseCriteria({ address: "0x12" })).toThrow(/20 bytes/);
    expect(() => parseCriteria({ topics: [1, 2, 3, 4, 5] })).toThrow(/4 topic/);
    expect(() => parseCriteria({ topics: "0x" })).toThrow(/array/);
  });

  it("lets the bloom rule blocks out and never rules a matching block out", () => {
    const bloom = new Uint8Array(256);
    addToBloom(bloom, address);
    addToBloom(bloom, topicA);
    expect(bloomMayContain(bloom, address)).toBe(true);
    expect(blockMayMatch(bloom, parseCriteria({ address: toHex(address), topics: [toHex(topicA)] }))).toBe(
      true,
    );
    expect(blockMayMatch(bloom, parseCriteria({ topics: [toHex(topicB)] }))).toBe(false);
    expect(blockMayMatch(new Uint8Array(256), parseCriteria({}))).toBe(true);
  });
});

describe("PendingSlots", () => {
  const sender = new Uint8Array(20).fill(1);
  const held = { ethHash: "0x01", poolHash: new Uint8Array([1]), maxFee: 100n, tip: 10n };

  it("answers already known, underpriced, or lets a 10% bump through", () => {
    const slots = new PendingSlots();
    slots.record(sender, 5n, held);
    const inPool = () => true;
    expect(slots.check(sender, 5n, { ethHash: "0x01", maxFee: 100n, tip: 10n }, inPool)).toBe(
      "already known",
    );
    expect(slots.check(sender, 5n, { ethHash: "0x02", maxFee: 109n, tip: 11n }, inPool)).toBe(
      "replacement transaction underpriced",
    );
    expect(slots.check(sender, 5n, { ethHash: "0x02", maxFee: 110n, tip: 11n }, inPool)).toBeUndefined();
    expect(slots.check(sender, 6n, { ethHash: "0x03", maxFee: 1n, tip: 0n }, inPool)).toBeUndefined();
  });

  it("forgets slots whose transaction left the pool or whose nonce is on chain", () => {
    const slots = new PendingSlots();
    slots.record(sender, 5n, held);
    expect(slots.check(sender, 5n, { ethHash: "0x02", maxFee: 1n, tip: 0n }, () => false)).toBeUndefined();
    slots.record(sender, 5n, held);
    slots.prune(sender, 6);
    expect(slots.check(sender, 5n, { ethHash: "0x02", maxFee: 1n, tip: 0n }, () => true)).toBeUndefined();
  });

  it("finds a pending transaction's bytes by hash while the pool holds it", () => {
    const slots = new PendingSlots();
    const raw = new Uint8Array([0xc0]);
    slots.record(sender, 1n, { ...held, ethHash: "0xaa", raw });
    expect(slots.pendingRaw("0xaa", () => true)).toBe(raw);
    expect(slots.pendingRaw("0xbb", () => true)).toBeUndefined();
    expect(slots.pendingRaw("0xaa", () => false)).toBeUndefined();
    expect(slots.pendingRaw("0xaa", () => true)).toBeUndefined();
  });

  it("stays bounded", () => {
    const slots = new PendingSlots({ maxEntries: 2 });
    for (let n = 0n; n < 3n; n++) slots.record(sender, n, held);
    expect(slots.check(sender, 0n, { ethHash: "0x09", maxFee: 1n, tip: 0n }, () => true)).toBeUndefined();
    expect(slots.check(sender, 2n, { ethHash: "0x09", maxFee: 1n, tip: 0n }, () => true)).toBe(
      "replacement transaction underpriced",
    );
  });
});

describe("eth_getLogs caps and filter polling", () => {
  /** An in-memory chain of `n` blocks, each with one log from `address`. */
  function fakeDeps(count: number) {
    const address = new Uint8Array(20).fill(7);
    const topic = new Uint8Array(32).fill(9);
    const bloom = new Uint8Array(256);
    addToBloom(bloom, address);
    addToBloom(bloom, topic);
    let best = count - 1;
    const hashOf = (n: number) => {
      const h = new Uint8Array(32);
      new DataView(h.buffer).setUint32(28, n + 1);
      return h;
    };
    const block = (n: number): EthBlockData =>
      ({
        substrateHash: hashOf(n),
        number: n,
        hash: hashOf(n),
        block: { header: { logsBloom: bloom, timestamp: 0n }, transactions: [new Uint8Array(1)], ommers: [] },
        receipts: [],
        statuses: [
          {
            transactionHash: hashOf(n),
            transactionIndex: 0,
            from: address,
            to: address,
            contractAddress: undefined,
            logs: [{ address, topics: [topic], data: new Uint8Array(0) }],
            logsBloom: bloom,
          },
        ],
      }) as unknown as EthBlockData;
    const numberOf = (h: Uint8Array) => new DataView(h.buffer).getUint32(28) - 1;
    const chain = {
      best: () => ({ number: best, hash: hashOf(best) }),
      finalized: () => ({ number: best, hash: hashOf(best) }),
      genesisHash: hashOf(0),
      hashAt: (n: number) => (n <= best ? hashOf(n) : undefined),
      header: (h: Uint8Array) => (numberOf(h) <= best ? { number: numberOf(h) } : undefined),
      runtime: { pallets: { frontier: { ethereum: { decode: () => ({}) } } } },
      on: () => undefined,
      off: () => undefined,
    };
    const index = {
      load: (h: Uint8Array) => (numberOf(h) <= best ? block(numberOf(h)) : undefined),
      substrateHashOf: () => undefined,
    };
    const deps = {
      chain,
      index,
      events: new EventEmitter(),
      logger: createLogger({ name: "test", level: "silent" }),
    } as unknown as EthDeps;
    return { deps, grow: (n: number) => (best += n), address };
  }
  const ctx = { transport: "http", connectionId: 1, remoteAddress: undefined, method: "" } as RpcCallContext;
  const call = (table: ReturnType<typeof ethFilterMethods>, name: string, params: unknown[]) =>
    (table[name] as RpcCallMethod).handler(params, ctx);

  it("caps the block range and the result count with -32005", () => {
    const { deps } = fakeDeps(50);
    const table = ethFilterMethods(deps, {
      maxBlockRange: 10,
      maxLogs: 5,
      maxFilters: 2,
      filterTimeoutMs: 60_000,
    });
    expect(() => call(table, "eth_getLogs", [{ fromBlock: "0x0", toBlock: "0x20" }])).toThrow(
      /block range too large/,
    );
    expect(() => call(table, "eth_getLogs", [{ fromBlock: "0x0", toBlock: "0x9" }])).toThrow(
      /more than 5 results/,
    );
    expect(call(table, "eth_getLogs", [{ fromBlock: "0x0", toBlock: "0x3" }])).toHaveLength(4);
    expect(
      call(table, "eth_getLogs", [{ fromBlock: "0x0", toBlock: "0x3", topics: [`0x${"01".repeat(32)}`] }]),
    ).toEqual([]);
  });

  it("returns only new logs and blocks on each poll, and drops the oldest filter beyond the limit", () => {
    const { deps, grow } = fakeDeps(5);
    const table = ethFilterMethods(deps, {
      maxBlockRange: 100,
      maxLogs: 100,
      maxFilters: 2,
      filterTimeoutMs: 60_000,
    });
    const logs = call(table, "eth_newFilter", [{}]) as string;
    const blocks = call(table, "eth_newBlockFilter", []) as string;
    expect(call(table, "eth_getFilterChanges", [logs])).toEqual([]);
    grow(2);
    expect(call(table, "eth_getFilterChanges", [logs])).toHaveLength(2);
    expect(call(table, "eth_getFilterChanges", [logs])).toHaveLength(0);
    expect(call(table, "eth_getFilterChanges", [blocks])).toHaveLength(2);
    call(table, "eth_newPendingTransactionFilter", []);
    expect(() => call(table, "eth_getFilterChanges", [logs])).toThrow(/filter not found/);
    expect(() => call(table, "eth_getFilterChanges", ["0x1234"])).toThrow(/filter not found/);
  });
});
