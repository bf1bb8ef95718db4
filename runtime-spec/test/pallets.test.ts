// Pallet behaviour on the composed runtime (the ExtBuilder-style TestChain), with the issuance invariant.

import { devEthereumAccounts, keyPairFromUri } from "@darwin/crypto";
import { aura, balances, grandpa, session, sudo, system, timestamp } from "@darwin/pallets";
import { OverlayedExternalities } from "@darwin/pallets/support";
import { encode, u64 } from "@darwin/scale";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { DNA, EXISTENTIAL_DEPOSIT } from "../src/index.ts";
import { eventNames, stateRootOf, TestChain } from "./harness.ts";

beforeAll(async () => {
  await cryptoWaitReady();
});

const [alith, baltathar, charleth, dorothy] = devEthereumAccounts();
const call = (pallet: string, name: string, value: unknown = {}) => ({
  type: pallet,
  value: { type: name, value },
});

function issuanceMatches(chain: TestChain): void {
  let total = 0n;
  for (const [, info] of system.Account.entries(chain.ext())) total += info.data.free + info.data.reserved;
  expect(balances.TotalIssuance.get(chain.ext())).toBe(total);
}

describe("Sudo", () => {
  it("dispatches as root for the key holder and refuses anyone else", async () => {
    const chain = await TestChain.create();
    const setBalance = call("Balances", "force_set_balance", { who: dorothy!.address, new_free: 5n * DNA });
    const { results, events } = await chain.block([
      chain.sign(0, call("Sudo", "sudo", { call: setBalance })),
      chain.sign(1, call("Sudo", "sudo", { call: setBalance })),
    ]);
    expect(results[0]).toEqual({ ok: { ok: null } });
    expect(eventNames(events)).toContain("Sudo.Sudid");
    expect(eventNames(events)).toContain("Balances.BalanceSet");
    expect(system.Account.get(chain.ext(), dorothy!.address).data.free).toBe(5n * DNA);
    expect(results[1]).toMatchObject({ ok: { err: { type: "Module", value: { index: 12 } } } });
    issuanceMatches(chain);
  });

  it("a root-only call signed directly is a BadOrigin", async () => {
    const chain = await TestChain.create();
    const { results } = await chain.block([
      chain.sign(0, call("Balances", "force_set_balance", { who: dorothy!.address, new_free: 1n })),
    ]);
    expect(results[0]).toEqual({ ok: { err: { type: "BadOrigin" } } });
  });

  it("set_key moves the key", async () => {
    const chain = await TestChain.create();
    await chain.block([chain.sign(0, call("Sudo", "set_key", { new: baltathar!.address }))]);
    expect(sudo.Key.get(chain.ext())).toEqual(baltathar!.address);
  });
});

describe("Balances", () => {
  it("holds and releases funds under a named reason, keeping total issuance", async () => {
    const chain = await TestChain.create();
    const { pallets } = chain.rt;
    const ext = chain.ext();
    const ctx = chain.rt.ctx(ext);
    pallets.currency.hold(ctx, { type: "Staking" }, charleth!.address, 100n * DNA);
    expect(pallets.currency.balanceOnHold(ext, { type: "Staking" }, charleth!.address)).toBe(100n * DNA);
    expect(system.Account.get(ext, charleth!.address).data.reserved).toBe(100n * DNA);
    expect(pallets.currency.release(ctx, { type: "Staking" }, charleth!.address, 40n * DNA)).toBe(40n * DNA);
    expect(balances.Holds.get(ext, charleth!.address)).toEqual([
      { id: { type: "Staking" }, amount: 60n * DNA },
    ]);
    chain.backend.apply(ext.changes());
    issuanceMatches(chain);
  });

  it("refuses to create an account below the existential deposit, and transfer_all empties an account", async () => {
    const chain = await TestChain.create();
    const fresh = new Uint8Array(20).fill(7);
    const { results } = await chain.block([
      chain.sign(
        1,
        call("Balances", "transfer_keep_alive", { dest: fresh, value: EXISTENTIAL_DEPOSIT - 1n }),
      ),
      chain.sign(3, call("Balances", "transfer_all", { dest: fresh, keep_alive: false })),
    ]);
    expect(results[0]).toMatchObject({ ok: { err: { type: "Module", value: { index: 10 } } } });
    expect(results[1]).toEqual({ ok: { ok: null } });
    expect(system.Account.contains(chain.ext(), dorothy!.address)).toBe(false);
    expect(system.Account.get(chain.ext(), fresh).data.free).toBeGreaterThan(999_999n * DNA);
    issuanceMatches(chain);
  });
});

describe("System", () => {
  it("remark_with_event emits Remarked; kill_prefix needs root", async () => {
    const chain = await TestChain.create();
    const { results, events } = await chain.block([
      chain.sign(1, call("System", "remark_with_event", { remark: new Uint8Array([1, 2, 3]) })),
      chain.sign(1, call("System", "kill_prefix", { prefix: new Uint8Array([1]), subkeys: 1 }), { nonce: 1 }),
    ]);
    expect(results[0]).toEqual({ ok: { ok: null } });
    expect(eventNames(events)).toContain("System.Remarked");
    expect(results[1]).toEqual({ ok: { err: { type: "BadOrigin" } } });
  });

  it("records block hashes and numbers, and clears per-block data at finalization", async () => {
    const chain = await TestChain.create();
    const first = await chain.block([]);
    await chain.block([]);
    const ext = chain.ext();
    expect(system.Number_.get(ext)).toBe(2);
    expect(system.ExtrinsicCount.get(ext)).toBeUndefined();
    expect(system.BlockHash.get(ext, 0)).toEqual(chain.genesisHash);
    expect(first.header.number).toBe(1);
  });
});

describe("Timestamp and Aura", () => {
  it("the timestamp inherent must respect the minimum period; slots must increase", async () => {
    const chain = await TestChain.create();
    await chain.block([]);
    expect(timestamp.Now.get(chain.ext())).toBe(chain.now);
    expect(aura.CurrentSlot.get(chain.ext())).toBe(chain.slot);
    // A block whose timestamp is too early makes the mandatory inherent fail.
    chain.now -= 5000n;
    await expect(chain.block([])).rejects.toThrow();
  });

  it("a signed inherent call is refused", async () => {
    const chain = await TestChain.create();
    const { results } = await chain.block([chain.sign(0, call("Timestamp", "set", { now: 5n }))]);
    expect(results[0]).toEqual({ err: { type: "Invalid", value: { type: "BadProof" } } });
  });
});

describe("Session and Grandpa", () => {
  it("genesis validators and keys; set_keys refuses a key owned by another validator", async () => {
    const chain = await TestChain.create();
    expect(session.Validators.get(chain.ext())).toEqual([alith!.address]);
    expect(grandpa.Authorities.get(chain.ext())).toHaveLength(1);
    const aliceKeys = {
      aura: keyPairFromUri("sr25519", "//Alice").publicKey,
      grandpa: keyPairFromUri("ed25519", "//Alice").publicKey,
    };
    const bobKeys = {
      aura: keyPairFromUri("sr25519", "//Bob").publicKey,
      grandpa: keyPairFromUri("ed25519", "//Bob").publicKey,
    };
    const { results } = await chain.block([
      chain.sign(1, call("Session", "set_keys", { keys: aliceKeys, proof: new Uint8Array() })),
      chain.sign(2, call("Session", "set_keys", { keys: bobKeys, proof: new Uint8Array() })),
    ]);
    expect(results[0]).toMatchObject({ ok: { err: { type: "Module", value: { index: 4 } } } });
    expect(results[1]).toEqual({ ok: { ok: null } });
    expect(session.NextKeys.get(chain.ext(), charleth!.address)).toEqual(bobKeys);
  });

  it("note_stalled is root-only", async () => {
    const chain = await TestChain.create();
    const { results } = await chain.block([
      chain.sign(
        0,
        call("Sudo", "sudo", {
          call: call("Grandpa", "note_stalled", { delay: 5, best_finalized_block_number: 1 }),
        }),
      ),
    ]);
    expect(results[0]).toEqual({ ok: { ok: null } });
    expect(grandpa.Stalled.get(chain.ext())).toEqual([5, 1]);
  });
});

describe("transactional storage", () => {
  it("a nested layer rolls back only its own writes", () => {
    const chain = new TestChain();
    const ext = new OverlayedExternalities(chain.backend, stateRootOf);
    const k = (n: number) => encode(u64, BigInt(n));
    ext.set(k(1), new Uint8Array([1]));
    ext.startTransaction();
    ext.set(k(2), new Uint8Array([2]));
    ext.startTransaction();
    ext.set(k(1), new Uint8Array([9]));
    ext.rollbackTransaction();
    ext.commitTransaction();
    expect(ext.get(k(1))).toEqual(new Uint8Array([1]));
    expect(ext.get(k(2))).toEqual(new Uint8Array([2]));
    expect(() => ext.commitTransaction()).toThrow(/no open storage transaction/);
  });
});
