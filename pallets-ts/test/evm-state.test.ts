import { Address } from "@ethereumjs/util";
import { describe, expect, it } from "vitest";
import { evm, system } from "../src/index.ts";
import { type Ctx, InMemoryBackend, OverlayedExternalities } from "../src/support/index.ts";

// The EVM and System pallets' storage items are bound to their pallets when the pallets are built.
evm.createEvmPallet({
  blockGasLimit: 15_000_000n,
  weightPerGas: 20_000n,
  onCharge: () => {
    throw new Error("no fees here");
  },
  baseFee: () => 0n,
});
system.Account.bindPallet("System");

function setup() {
  const ext = new OverlayedExternalities(new InMemoryBackend(), () => new Uint8Array(32));
  const events: string[] = [];
  const ctx: Ctx = {
    ext,
    deposit: (pallet, event) => {
      events.push(`${pallet}.${event}`);
    },
    dispatch: () => {
      throw new Error("no dispatch here");
    },
    callWeight: () => ({ refTime: 0n, proofSize: 0n }),
  };
  const sm = new evm.RuntimeStateManager(evm.FEE_POT_ADDRESS);
  sm.bind(ctx);
  return { ext, ctx, sm, events };
}

const A = new Address(new Uint8Array(20).fill(0x11));
const slot = (n: number) => new Uint8Array(32).fill(n);

describe("RuntimeStateManager", () => {
  it("keeps balance and nonce in System.Account and code in pallet-evm's maps", async () => {
    const { ext, sm, events } = setup();
    expect(await sm.getAccount(A)).toBeUndefined();
    await sm.modifyAccountFields(A, { balance: 5n, nonce: 2n });
    const info = system.Account.get(ext, A.bytes);
    expect(info).toMatchObject({ nonce: 2, providers: 1, data: { free: 5n } });
    expect(events).toContain("System.NewAccount");
    await sm.putCode(A, new Uint8Array([0x60, 0x00]));
    expect(evm.AccountCodesMetadata.get(ext, A.bytes)?.size).toBe(2n);
    expect(await sm.getCodeSize(A)).toBe(2);
    const acct = (await sm.getAccount(A))!;
    expect(acct.balance).toBe(5n);
    expect(acct.isContract()).toBe(true);
  });

  it("maps checkpoint / commit / revert onto transactional layers, storage included", async () => {
    const { ext, sm } = setup();
    await sm.putStorage(A, slot(1), new Uint8Array([7]));
    await sm.checkpoint();
    expect(ext.transactionDepth).toBe(1);
    await sm.putStorage(A, slot(1), new Uint8Array([8]));
    await sm.modifyAccountFields(A, { balance: 9n });
    await sm.revert();
    expect(ext.transactionDepth).toBe(0);
    expect(await sm.getStorage(A, slot(1))).toEqual(new Uint8Array([7]));
    expect((await sm.getAccount(A))?.balance ?? 0n).toBe(0n);
    await sm.checkpoint();
    await sm.putStorage(A, slot(2), new Uint8Array([0, 0, 3]));
    await sm.commit();
    expect(await sm.getStorage(A, slot(2))).toEqual(new Uint8Array([3]));
    // Stored left-padded to 32 bytes, as pallet-evm's H256 values.
    expect(evm.AccountStorages.get(ext, A.bytes, slot(2))?.[31]).toBe(3);
    // Zero deletes the entry.
    await sm.putStorage(A, slot(2), new Uint8Array(0));
    expect(evm.AccountStorages.contains(ext, A.bytes, slot(2))).toBe(false);
  });

  it("clears one contract's storage by its prefix, leaving other contracts alone", async () => {
    const { ext, sm } = setup();
    const B = new Address(new Uint8Array(20).fill(0x22));
    for (let i = 1; i <= 3; i++) await sm.putStorage(A, slot(i), new Uint8Array([i]));
    await sm.putStorage(B, slot(1), new Uint8Array([9]));
    await sm.clearStorage(A);
    expect([...evm.AccountStorages.entries(ext, A.bytes)]).toHaveLength(0);
    expect(await sm.getStorage(B, slot(1))).toEqual(new Uint8Array([9]));
  });

  it("keeps the fee pot out of storage and refuses use outside an execution", async () => {
    const { ext, sm } = setup();
    const pot = new Address(evm.FEE_POT_ADDRESS);
    await sm.modifyAccountFields(pot, { balance: 42n });
    expect(system.Account.contains(ext, pot.bytes)).toBe(false);
    expect(sm.takeFeePot()).toBe(42n);
    sm.bind(undefined);
    await expect(sm.getAccount(A)).rejects.toMatchObject({ code: "StateNotBound" });
  });
});
