import { devEthereumAccounts } from "@darwin/crypto";
import { balances, system } from "@darwin/pallets";
import { Metadata, TypeRegistry } from "@polkadot/types";
import { u8aToHex } from "@polkadot/util";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { DNA, EXISTENTIAL_DEPOSIT, metadataOf, mortalEra } from "../src/index.ts";
import { eventNames, TestChain } from "./harness.ts";

beforeAll(async () => {
  await cryptoWaitReady();
});

const [alith, baltathar, charleth] = devEthereumAccounts();
const transfer = (dest: Uint8Array, value: bigint, keepAlive = true) => ({
  type: "Balances",
  value: { type: keepAlive ? "transfer_keep_alive" : "transfer_allow_death", value: { dest, value } },
});

function sumOfBalances(chain: TestChain): bigint {
  let total = 0n;
  for (const [, info] of system.Account.entries(chain.ext())) total += info.data.free + info.data.reserved;
  return total;
}

function expectIssuanceInvariant(chain: TestChain): void {
  expect(balances.TotalIssuance.get(chain.ext())).toBe(sumOfBalances(chain));
}

describe("Darwin runtime", () => {
  it("genesis funds the dev accounts and keeps the issuance invariant", async () => {
    const chain = await TestChain.create();
    expect(system.Account.get(chain.ext(), alith!.address).data.free).toBe(1_000_000n * DNA);
    expectIssuanceInvariant(chain);
  });

  it("a signed transfer moves funds, pays a fee and emits the standard events", async () => {
    const chain = await TestChain.create();
    // Baltathar sends: Alith authors the block and would get half the fee back.
    const before = system.Account.get(chain.ext(), baltathar!.address).data.free;
    const { results, events } = await chain.block([chain.sign(1, transfer(charleth!.address, 5n * DNA))]);
    expect(results).toEqual([{ ok: { ok: null } }]);
    const names = eventNames(events);
    expect(names).toContain("Balances.Transfer");
    expect(names).toContain("TransactionPayment.TransactionFeePaid");
    expect(names.at(-1)).toBe("System.ExtrinsicSuccess");
    const feePaid = events.find((e) => e.event.value.type === "TransactionFeePaid")!.event.value.value as {
      actual_fee: bigint;
    };
    const after = system.Account.get(chain.ext(), baltathar!.address);
    expect(before - after.data.free).toBe(5n * DNA + feePaid.actual_fee);
    expect(after.nonce).toBe(1);
    expect(system.Account.get(chain.ext(), charleth!.address).data.free).toBe(1_000_005n * DNA);
    // Half the fee is burned, half goes to the author (Alith).
    expect(system.Account.get(chain.ext(), alith!.address).data.free).toBe(
      1_000_000n * DNA + feePaid.actual_fee - feePaid.actual_fee / 2n,
    );
    expectIssuanceInvariant(chain);
  });

  it("a transfer beyond the balance fails with Balances.InsufficientBalance but still pays its fee", async () => {
    const chain = await TestChain.create();
    const { results, events } = await chain.block([
      chain.sign(1, transfer(charleth!.address, 2_000_000n * DNA)),
    ]);
    expect(results[0]).toMatchObject({ ok: { err: { type: "Module", value: { index: 10 } } } });
    const err = (results[0] as { ok: { err: { value: { error: Uint8Array } } } }).ok.err.value.error;
    expect(err[0]).toBe(2); // InsufficientBalance
    expect(eventNames(events)).toContain("System.ExtrinsicFailed");
    expect(eventNames(events)).not.toContain("Balances.Transfer");
    expect(system.Account.get(chain.ext(), baltathar!.address).nonce).toBe(1);
    expectIssuanceInvariant(chain);
  });

  it("rejects bad signatures, stale and future nonces, and wrong genesis with standard reasons", async () => {
    const chain = await TestChain.create();
    const good = chain.sign(0, transfer(baltathar!.address, DNA));
    const tampered = good.slice();
    tampered[tampered.length - 1]! ^= 1;
    const future = chain.sign(0, transfer(baltathar!.address, DNA), { nonce: 5 });
    const wrongGenesis = (() => {
      const saved = chain.genesisHash;
      chain.genesisHash = new Uint8Array(32).fill(1);
      const x = chain.sign(0, transfer(baltathar!.address, DNA));
      chain.genesisHash = saved;
      return x;
    })();
    const { results } = await chain.block([good, tampered, future, wrongGenesis, good]);
    expect(results[0]).toEqual({ ok: { ok: null } });
    expect(results[1]).toEqual({ err: { type: "Invalid", value: { type: "BadProof" } } });
    expect(results[2]).toEqual({ err: { type: "Invalid", value: { type: "Future" } } });
    expect(results[3]).toEqual({ err: { type: "Invalid", value: { type: "BadProof" } } });
    expect(results[4]).toEqual({ err: { type: "Invalid", value: { type: "Stale" } } });
    const v = await chain.rt.validateTransaction(chain.ext(), future, chain.parentHash);
    expect("ok" in v && v.ok.requires.length).toBe(1);
    const garbage = await chain.rt.validateTransaction(
      chain.ext(),
      new Uint8Array([1, 2, 3]),
      chain.parentHash,
    );
    expect(garbage).toEqual({ err: { type: "Invalid", value: { type: "Call" } } });
  });

  it("mortal transactions are checked against their birth block hash", async () => {
    const chain = await TestChain.create();
    await chain.block([]);
    const era = mortalEra(64, chain.number);
    // Born at block 1: the checkpoint is block 1's hash, which block 2 records as its parent.
    const xt = chain.sign(0, transfer(baltathar!.address, DNA), { era, checkpoint: chain.parentHash });
    const wrongCheckpoint = chain.sign(0, transfer(baltathar!.address, DNA), {
      era,
      checkpoint: chain.genesisHash,
    });
    const { results } = await chain.block([wrongCheckpoint, xt]);
    expect(results[0]).toEqual({ err: { type: "Invalid", value: { type: "BadProof" } } });
    expect(results[1]).toEqual({ ok: { ok: null } });
    // Once the era is over, the same transaction no longer verifies.
    for (let i = 0; i < 64; i++) await chain.block([]);
    const v = await chain.rt.validateTransaction(chain.ext(), xt, chain.parentHash);
    expect("err" in v).toBe(true);
  });

  it("keep-alive refuses to reap the sender; allow-death reaps and burns the dust", async () => {
    const chain = await TestChain.create();
    const all = 1_000_000n * DNA;
    const { results } = await chain.block([
      chain.sign(2, transfer(alith!.address, all - EXISTENTIAL_DEPOSIT / 2n)),
    ]);
    expect(results[0]).toMatchObject({ ok: { err: { type: "Module" } } });
    expectIssuanceInvariant(chain);
  });
});

describe("metadata", () => {
  it("V14 and V15 generated from the pallets decode with @polkadot/types", async () => {
    const chain = await TestChain.create();
    for (const v of [14, 15] as const) {
      const registry = new TypeRegistry();
      const metadata = new Metadata(registry, metadataOf(chain.rt, v));
      registry.setMetadata(metadata);
      expect(metadata.version).toBe(v);
      const pallets = metadata.asLatest.pallets.map((p) => p.name.toString());
      expect(pallets).toEqual([
        "System",
        "Timestamp",
        "Aura",
        "Grandpa",
        "Session",
        "Balances",
        "TransactionPayment",
        "Sudo",
        "EVM",
        "Ethereum",
        "BaseFee",
      ]);
      // 20-byte accounts and Ethereum signatures, inferred from the UncheckedExtrinsic type.
      const call = registry.createType("Call", {
        callIndex: [10, 3],
        args: { dest: u8aToHex(baltathar!.address), value: 7 },
      });
      expect(call.section).toBe("balances");
      expect(call.method).toBe("transferKeepAlive");
      expect(registry.createType("AccountId", alith!.address).toU8a().length).toBe(20);
    }
  });
});
