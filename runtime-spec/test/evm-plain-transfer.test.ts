// Plain value transfers skip ethereumjs's interpreter (EvmRunner.plainTransfer). The two paths must be
// indistinguishable: the same blocks applied to two chains, one with the shortcut and one without,
// give the same outcomes, events, receipts and state roots.
import { toHex as bytesToHex } from "@darwin/scale";
import { Address, createContractAddress } from "@ethereumjs/util";
import { describe, expect, it, vi } from "vitest";
import { accounts, type BlockItem, contracts, mixedBlock, signEth, TestChain } from "./evm-harness.ts";

const DNA = 10n ** 18n;
const dev = accounts();
const addr = (i: number) => dev[i]!.address;
const fresh = (n: number) =>
  Uint8Array.from({ length: 20 }, (_, i) => (i === 0 ? 0xaa : (n * 31 + i) & 0xff));

/** Blocks of transactions covering every branch of the shortcut and its refusals. */
function blocks(chain: TestChain, contract: Uint8Array): BlockItem[][] {
  const precompile = new Uint8Array(20);
  precompile[18] = 0x08; // Darwin's Balances ERC-20 precompile at 0x0800
  const ecrecover = new Uint8Array(20);
  ecrecover[19] = 0x01;
  return [
    [
      // EIP-1559 to a new account; tip under the cap; gas limit above the 21,000 used (refund).
      { eth: signEth(chain, 0, { to: fresh(1), value: DNA, gasLimit: 21_000n, nonce: 1n }) },
      { eth: signEth(chain, 1, { to: addr(2), value: 3n * DNA, gasLimit: 50_000n, nonce: 0n }) },
      // maxFee - baseFee below the priority fee: the tip is capped at 0.5 gwei.
      {
        eth: signEth(chain, 2, {
          to: addr(3),
          value: 7n,
          gasLimit: 21_000n,
          nonce: 0n,
          maxFeePerGas: 1_500_000_000n,
          maxPriorityFeePerGas: 1_000_000_000n,
        }),
      },
      // Legacy EIP-155 and EIP-2930 with an access list (intrinsic gas above 21,000).
      {
        eth: signEth(chain, 3, {
          type: 0,
          to: fresh(2),
          value: 5n,
          gasLimit: 21_000n,
          gasPrice: 2_000_000_000n,
          nonce: 0n,
        } as never),
      },
      {
        eth: signEth(chain, 4, {
          type: 1,
          to: fresh(3),
          value: 9n,
          gasLimit: 30_000n,
          gasPrice: 2_000_000_000n,
          nonce: 0n,
          accessList: [{ address: bytesToHex(fresh(4)), storageKeys: [`0x${"11".repeat(32)}`] }],
        } as never),
      },
      // Not plain: zero value, a precompile, the sender itself, a contract (general path).
      { eth: signEth(chain, 5, { to: fresh(5), value: 0n, gasLimit: 21_000n, nonce: 0n }) },
      { eth: signEth(chain, 5, { to: ecrecover, value: 1n, gasLimit: 50_000n, nonce: 1n }) },
      { eth: signEth(chain, 5, { to: precompile, value: 1n, gasLimit: 50_000n, nonce: 2n }) },
      { eth: signEth(chain, 5, { to: addr(5), value: 11n, gasLimit: 21_000n, nonce: 3n }) },
      { eth: signEth(chain, 5, { to: contract, value: 13n, gasLimit: 60_000n, nonce: 4n }) },
    ],
    [
      // Refused by both: wrong nonce, more value than the balance, gas limit below the intrinsic.
      { eth: signEth(chain, 1, { to: addr(3), value: 1n, gasLimit: 21_000n, nonce: 5n }) },
      { eth: signEth(chain, 2, { to: addr(3), value: 10n ** 30n, gasLimit: 21_000n, nonce: 1n }) },
      { eth: signEth(chain, 2, { to: addr(3), value: 1n, gasLimit: 20_000n, nonce: 1n }) },
      // Accepted after the refusals; to an account that received value in the previous block.
      { eth: signEth(chain, 1, { to: fresh(1), value: 2n * DNA, gasLimit: 21_000n, nonce: 1n }) },
      { eth: signEth(chain, 2, { to: fresh(1), value: 1n, gasLimit: 21_000n, nonce: 1n }) },
    ],
  ];
}

async function deployCounter(chain: TestChain): Promise<Uint8Array> {
  const data = contracts().Misbehaver?.bytecode as `0x${string}`;
  const { results } = await mixedBlock(chain, [
    { eth: signEth(chain, 0, { data, gasLimit: 2_000_000n, nonce: 0n }) },
  ]);
  expect(results[0]).toEqual({ ok: true });
  return createContractAddress(new Address(addr(0)), 0n).bytes;
}

describe("EVM plain-transfer shortcut", () => {
  it("gives the same results, events and state roots as ethereumjs's runTx", async () => {
    const fast = await TestChain.create();
    const general = await TestChain.create();
    general.rt.pallets.frontier.evm.runner.plainTransfers = false;
    const runner = fast.rt.pallets.frontier.evm.runner;
    const spy = vi.spyOn(runner as unknown as { plainTransfer: () => unknown }, "plainTransfer");

    const contractFast = await deployCounter(fast);
    const contractGeneral = await deployCounter(general);
    expect(contractFast).toEqual(contractGeneral);

    const fastBlocks = blocks(fast, contractFast);
    const generalBlocks = blocks(general, contractGeneral);
    for (const [i, items] of fastBlocks.entries()) {
      const a = await mixedBlock(fast, items);
      const b = await mixedBlock(general, generalBlocks[i]!);
      expect(a.results.map((r) => r.ok)).toEqual(b.results.map((r) => r.ok));
      expect(JSON.stringify(a.events, (_, v) => (typeof v === "bigint" ? `${v}n` : v))).toBe(
        JSON.stringify(b.events, (_, v) => (typeof v === "bigint" ? `${v}n` : v)),
      );
      expect(bytesToHex(a.header.stateRoot)).toBe(bytesToHex(b.header.stateRoot));
    }
    // The shortcut did take the plain transfers (and only them).
    const taken = await Promise.all(spy.mock.results.map((r) => r.value));
    expect(taken.filter((t) => t !== undefined)).toHaveLength(7);
    expect(fastBlocks.flat().length).toBe(15);
  });
});
