import { describe, expect, it } from "vitest";
import {
  type BlockRef,
  isPoolError,
  type PoolError,
  type PoolValidator,
  TransactionPool,
  type ValidationResult,
} from "../src/txpool/index.ts";

/**
 * A validator for arbitrary tag graphs (Substrate's base_pool tests use the same shape): the
 * transaction's bytes are JSON `{ id, r: requires, p: provides, prio }` with one-letter tags.
 */
class TagValidator implements PoolValidator {
  async validate(xt: Uint8Array): Promise<ValidationResult> {
    const { r, p, prio } = JSON.parse(new TextDecoder().decode(xt)) as {
      r: string[];
      p: string[];
      prio: number;
    };
    const bytes = (tags: string[]) => tags.map((t) => new TextEncoder().encode(t));
    return {
      ok: { priority: BigInt(prio), requires: bytes(r), provides: bytes(p), longevity: 64n, propagate: true },
    };
  }
}

const at: BlockRef = { hash: new Uint8Array(32), number: 0 };
const tx = (id: string, r: string[], p: string[], prio = 5) =>
  new TextEncoder().encode(JSON.stringify({ id, r, p, prio }));
const idOf = (data: Uint8Array) => (JSON.parse(new TextDecoder().decode(data)) as { id: string }).id;

async function rejection(promise: Promise<unknown>): Promise<PoolError> {
  try {
    await promise;
  } catch (err) {
    if (isPoolError(err)) return err;
    throw err;
  }
  throw new Error("expected a PoolError");
}

describe("tag graph", () => {
  it("waits for every required tag, whoever provides it", async () => {
    const pool = new TransactionPool({}, { validator: new TagValidator() });
    await pool.submit(tx("c", ["a", "b"], ["c"]), at);
    await pool.submit(tx("a", [], ["a"]), at);
    expect(pool.status()).toMatchObject({ ready: 1, future: 1 });
    await pool.submit(tx("b", [], ["b"], 9), at);
    expect([...pool.ready()].map((t) => idOf(t.data))).toEqual(["b", "a", "c"]);
  });

  it("closes a cycle by dropping the lower-priority member (Substrate's should_handle_a_cycle)", async () => {
    const pool = new TransactionPool({}, { validator: new TagValidator() });
    await pool.submit(tx("1", ["0"], ["1"]), at);
    await pool.submit(tx("3", ["1"], ["2"]), at);
    const two = await pool.submitAndWatch(tx("2", ["2"], ["0"]), at);
    expect(pool.status()).toMatchObject({ ready: 0, future: 3 });
    await pool.submit(tx("4", [], ["0"], 50), at);
    expect([...pool.ready()].map((t) => idOf(t.data))).toEqual(["4", "1", "3"]);
    expect(two.events.statuses).toEqual(["future", "dropped"]);
    expect(pool.status().future).toBe(0);
  });

  it("detects a cycle that would push out the transaction being imported", async () => {
    const pool = new TransactionPool({}, { validator: new TagValidator() });
    await pool.submit(tx("1", ["0"], ["1"]), at);
    await pool.submit(tx("3", ["1"], ["2"]), at);
    await pool.submit(tx("2", ["2"], ["0"]), at);
    const err = await rejection(pool.submit(tx("4", [], ["0"], 1), at));
    expect(err.code).toBe("CycleDetected");
    expect(pool.status()).toMatchObject({ ready: 0, future: 0 });
  });

  it("moves dependents back to future when a replacement drops a tag they need", async () => {
    const pool = new TransactionPool({}, { validator: new TagValidator() });
    await pool.submit(tx("r", [], ["a", "b"], 5), at);
    const dependent = await pool.submitAndWatch(tx("d", ["b"], ["d"]), at);
    await pool.submit(tx("n", [], ["a"], 6), at);
    expect([...pool.ready()].map((t) => idOf(t.data))).toEqual(["n"]);
    expect(dependent.events.statuses).toEqual(["ready", "future"]);
    await pool.submit(tx("b", [], ["b"], 1), at);
    expect(dependent.events.statuses).toEqual(["ready", "future", "ready"]);
  });

  it("needs a higher priority than all transactions it would replace together", async () => {
    const pool = new TransactionPool({}, { validator: new TagValidator() });
    await pool.submit(tx("x", [], ["a"], 5), at);
    await pool.submit(tx("y", [], ["b"], 5), at);
    const err = await rejection(pool.submit(tx("z", [], ["a", "b"], 10), at));
    expect(err.code).toBe("TooLowPriority");
    expect(err.priorities).toEqual({ old: 10n, new: 10n });
    await pool.submit(tx("z", [], ["a", "b"], 11), at);
    expect([...pool.ready()].map((t) => idOf(t.data))).toEqual(["z"]);
  });

  it("refuses a valid transaction that provides no tag", async () => {
    const pool = new TransactionPool({}, { validator: new TagValidator() });
    const err = await rejection(pool.submit(tx("none", [], []), at));
    expect(err.code).toBe("NoTagsProvided");
  });
});
