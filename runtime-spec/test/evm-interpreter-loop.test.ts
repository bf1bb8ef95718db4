// Darwin runs contract code with its own interpreter loop (pallets-ts/src/evm/interpreter-patches.ts),
// which steps synchronously through opcodes that have no asynchronous part. It must be
// indistinguishable from ethereumjs's own loop: the same blocks on two chains, one per loop, give the
// same outcomes, events, receipts and state roots, over successes, reverts with reasons, out-of-gas,
// invalid opcodes, logs, storage refunds, precompile calls and contract creation.
import { keccak256 } from "@darwin/crypto";
import { evm } from "@darwin/pallets";
import { toHex as bytesToHex, concatBytes, fromHex } from "@darwin/scale";
import { Address, createContractAddress } from "@ethereumjs/util";
import { afterEach, describe, expect, it } from "vitest";
import { accounts, type BlockItem, contracts, mixedBlock, signEth, TestChain } from "./evm-harness.ts";

const dev = accounts();
const addr = (i: number) => dev[i]!.address;
const word = (v: bigint | Uint8Array) =>
  v instanceof Uint8Array
    ? concatBytes(new Uint8Array(32 - v.length), v)
    : fromHex(`0x${v.toString(16).padStart(64, "0")}`);
const call = (signature: string, ...args: (bigint | Uint8Array)[]) =>
  concatBytes(keccak256(new TextEncoder().encode(signature)).subarray(0, 4), ...args.map(word));
const bytecode = (name: string) => fromHex(contracts()[name]!.bytecode as `0x${string}`);

afterEach(() => {
  evm.interpreterPatches.loop = true;
});

/** Counts the steps ethereumjs's own loop takes (Darwin's loop never calls `runStep`). */
async function countOriginalSteps(): Promise<{ count: () => number; restore: () => void }> {
  const entry = import.meta.resolve("@ethereumjs/evm");
  const mod = (await import(new URL("./interpreter.js", entry).href)) as {
    Interpreter: { prototype: { runStep: (...a: unknown[]) => unknown } };
  };
  const proto = mod.Interpreter.prototype;
  const original = proto.runStep;
  let n = 0;
  proto.runStep = function (this: unknown, ...a: unknown[]) {
    n++;
    return original.apply(this, a);
  };
  return { count: () => n, restore: () => (proto.runStep = original) };
}

function plan(chain: TestChain): BlockItem[][] {
  const token = createContractAddress(new Address(addr(0)), 0n).bytes;
  const misbehaver = createContractAddress(new Address(addr(0)), 1n).bytes;
  const caller = createContractAddress(new Address(addr(0)), 2n).bytes;
  const balancesPrecompile = new Uint8Array(20);
  balancesPrecompile[18] = 0x08;
  const supply = 10n ** 24n;
  // Init code that stores 42, emits LOG1, and returns a runtime of INVALID (0xfe).
  const initWithLog = fromHex("0x602a600055600760016000a160fe60005360016000f3");
  // ADD on an empty stack.
  const initUnderflow = fromHex("0x01");
  // Init code hitting INVALID at once: the creation fails and consumes its gas.
  const initInvalid = fromHex("0xfe");
  const tokenTx = (
    signer: number,
    nonce: bigint,
    signature: string,
    ...args: (bigint | Uint8Array)[]
  ): BlockItem => ({
    eth: signEth(chain, signer, { to: token, data: call(signature, ...args), nonce }),
  });
  return [
    [
      {
        eth: signEth(chain, 0, {
          data: concatBytes(bytecode("TestToken"), word(supply)),
          gasLimit: 1_500_000n,
          nonce: 0n,
        }),
      },
      { eth: signEth(chain, 0, { data: bytecode("Misbehaver"), gasLimit: 1_000_000n, nonce: 1n }) },
      { eth: signEth(chain, 0, { data: bytecode("PrecompileCaller"), gasLimit: 1_000_000n, nonce: 2n }) },
    ],
    [
      tokenTx(0, 3n, "transfer(address,uint256)", addr(1), 5_000n),
      // More than the balance: `require` reverts with a reason.
      tokenTx(1, 0n, "transfer(address,uint256)", addr(2), 10n ** 30n),
      tokenTx(1, 1n, "approve(address,uint256)", addr(2), 1_000n),
      tokenTx(2, 0n, "transferFrom(address,address,uint256)", addr(1), addr(3), 600n),
      // Allowance used up: reverts.
      tokenTx(2, 1n, "transferFrom(address,address,uint256)", addr(1), addr(3), 600n),
      // Sending the whole balance away clears a slot (refund), then it is written again.
      tokenTx(3, 0n, "transfer(address,uint256)", addr(4), 600n),
      tokenTx(4, 0n, "transfer(address,uint256)", addr(3), 1n),
    ],
    [
      { eth: signEth(chain, 1, { to: misbehaver, data: call("bump()"), nonce: 2n }) },
      { eth: signEth(chain, 1, { to: misbehaver, data: call("bumpAndRevert()"), nonce: 3n }) },
      {
        eth: signEth(chain, 1, {
          to: misbehaver,
          data: call("loopForever()"),
          gasLimit: 120_000n,
          nonce: 4n,
        }),
      },
      { eth: signEth(chain, 1, { to: misbehaver, data: call("hashOf(uint256)", 1n), nonce: 5n }) },
      // Unknown selector (no fallback: reverts) and value to a non-payable function.
      { eth: signEth(chain, 1, { to: misbehaver, data: fromHex("0xdeadbeef"), nonce: 6n }) },
      { eth: signEth(chain, 1, { to: misbehaver, data: call("bump()"), value: 7n, nonce: 7n }) },
      // A contract calling Darwin's Balances precompile (a nested call into a precompile).
      {
        eth: signEth(chain, 2, {
          to: caller,
          data: call("balanceOfVia(address,address)", balancesPrecompile, addr(3)),
          nonce: 2n,
        }),
      },
      { eth: signEth(chain, 2, { data: initWithLog, gasLimit: 200_000n, nonce: 3n }) },
      { eth: signEth(chain, 2, { data: initInvalid, gasLimit: 100_000n, nonce: 4n }) },
      { eth: signEth(chain, 2, { data: initUnderflow, gasLimit: 100_000n, nonce: 5n }) },
    ],
  ];
}

describe("Darwin's interpreter loop", () => {
  it("gives the same outcomes, events and state roots as ethereumjs's own loop", async () => {
    const fast = await TestChain.create();
    const general = await TestChain.create();
    const fastPlan = plan(fast);
    const generalPlan = plan(general);
    const steps = await countOriginalSteps();
    try {
      let fastSteps = 0;
      const reasons = new Set<string>();
      for (const [i, items] of fastPlan.entries()) {
        evm.interpreterPatches.loop = true;
        const before = steps.count();
        const a = await mixedBlock(fast, items);
        fastSteps += steps.count() - before;
        for (const e of a.events) {
          const ev = e.event as {
            type: string;
            value: { type: string; value?: { exit_reason?: { type: string; value: { type: string } } } };
          };
          const r =
            ev.type === "Ethereum" && ev.value.type === "Executed" ? ev.value.value?.exit_reason : undefined;
          if (r) reasons.add(`${r.type}:${r.value.type}`);
        }
        evm.interpreterPatches.loop = false;
        const b = await mixedBlock(general, generalPlan[i]!);
        expect(a.results.map((r) => r.ok)).toEqual(b.results.map((r) => r.ok));
        const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x));
        expect(json(a.events)).toBe(json(b.events));
        expect(bytesToHex(a.header.stateRoot)).toBe(bytesToHex(b.header.stateRoot));
      }
      // Darwin's loop ran the fast chain's code; ethereumjs's stepped through the other's.
      expect(fastSteps).toBe(0);
      expect(steps.count()).toBeGreaterThan(1_000);
      // The plan reaches every kind of ending: returned, stopped, reverted, out of gas, invalid opcode.
      expect([...reasons].sort()).toEqual(
        [
          "Error:DesignatedInvalid",
          "Error:OutOfGas",
          "Error:StackUnderflow",
          "Revert:Reverted",
          "Succeed:Returned",
          "Succeed:Stopped",
        ].sort(),
      );
    } finally {
      steps.restore();
    }
  });
});
