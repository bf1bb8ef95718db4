import { ethereum as eth } from "@darwin/pallets";
import { encode } from "@darwin/scale";
import { expect, it } from "vitest";
import { encodeUnsignedExtrinsic } from "../src/index.ts";
import { accounts, balanceOf, signEth, TestChain } from "./evm-harness.ts";

it("the executive applies self-contained ethereum.transact", async () => {
  const chain = await TestChain.create();
  const [, b, c] = accounts();
  const xt = (raw: Uint8Array) =>
    encodeUnsignedExtrinsic(
      encode(chain.rt.composed.callCodec, {
        type: "Ethereum",
        value: { type: "transact", value: { transaction: raw } },
      }),
    );
  const raw = signEth(chain, 1, { to: c!.address, value: 5n, gasLimit: 21_000n, nonce: 0n });
  const ext = chain.ext();
  const v = await chain.rt.validateTransaction(ext, xt(raw), chain.parentHash);
  expect("ok" in v).toBe(true);
  const c0 = balanceOf(chain, c!.address);
  const r = await chain.block([xt(raw), xt(raw)]);
  expect(r.results[0]).toEqual({ ok: { ok: null } });
  expect(r.results[1]).toEqual({ err: { type: "Invalid", value: { type: "Stale" } } });
  expect(balanceOf(chain, c!.address)).toBe(c0 + 5n);
  expect(eth.CurrentReceipts.get(chain.ext())).toHaveLength(1);
  const names = r.events.map((e) => `${e.event.type}.${e.event.value.type}`);
  expect(names).toContain("Ethereum.Executed");
  expect(names).toContain("System.ExtrinsicSuccess");
  void b;
  // Re-execute the block as an importer would.
  const v2 = await chain.rt.validateTransaction(chain.ext(), xt(raw), chain.parentHash);
  expect(v2).toEqual({ err: { type: "Invalid", value: { type: "Stale" } } });
});
