// Frontier's `evm.accounts` in the genesis config: accounts and contracts that exist from block 0.
import { balances, evm } from "@darwin/pallets";
import { fromHex, toHex } from "@darwin/scale";
import { describe, expect, it } from "vitest";
import { GenesisError, genesisPreset } from "../src/index.ts";
import { TestChain } from "./harness.ts";

// Runtime code that returns storage slot 0: SLOAD(0) MSTORE(0) RETURN(0, 32).
const RETURN_SLOT0 = "0x60005460005260206000f3";
const CONTRACT = "0x00000000000000000000000000000000000c0de1";
const HOLDER = "0x1111111111111111111111111111111111111111";
const SLOT0 = `0x${"00".repeat(32)}`;
const VALUE = `0x${"00".repeat(31)}2a`;
const DNA = 10n ** 18n;

const withEvm = (accounts: Record<string, unknown>) =>
  ({ ...genesisPreset("dev"), evm: { accounts } }) as never;

describe("EVM genesis accounts", () => {
  it("puts code, storage, balance and nonce where the EVM and System.Account read them", async () => {
    const plain = await TestChain.create();
    const issuance0 = balances.TotalIssuance.get(plain.ext());
    const chain = await TestChain.create(
      withEvm({
        [CONTRACT]: { code: RETURN_SLOT0, storage: { [SLOT0]: VALUE } },
        [HOLDER]: { balance: (5n * DNA).toString(), nonce: "0x7" },
      }),
    );
    const ext = chain.ext();
    expect(toHex(evm.accountCode(ext, fromHex(CONTRACT)))).toBe(RETURN_SLOT0);
    expect(toHex(evm.accountStorage(ext, fromHex(CONTRACT), fromHex(SLOT0)))).toBe(VALUE);
    expect(evm.accountBasic(ext, fromHex(HOLDER))).toEqual({ balance: 5n * DNA, nonce: 7n });
    // The balance is minted like any Balances genesis entry.
    expect(balances.TotalIssuance.get(ext) - issuance0).toBe(5n * DNA);
    // The contract runs: a call returns the genesis storage value.
    const res = await chain.rt.pallets.frontier.evm.runner.simulate(chain.rt.ctx(chain.ext()), {
      from: fromHex(HOLDER),
      to: fromHex(CONTRACT),
      data: new Uint8Array(0),
    });
    expect(res.success).toBe(true);
    expect(toHex(res.returnData)).toBe(VALUE);
  });

  it("refuses malformed entries with a clear error", async () => {
    const bad: Record<string, unknown>[] = [
      { "0x1234": {} },
      { [HOLDER]: { code: "c0de" } },
      { [HOLDER]: { storage: { "0x01": VALUE } } },
      { [HOLDER]: { balance: "-1" } },
      { [HOLDER]: { nonce: "lots" } },
      { [HOLDER]: { nonce: 2 ** 40 } },
    ];
    for (const accounts of bad)
      await expect(TestChain.create(withEvm(accounts))).rejects.toThrow(GenesisError);
  });
});
