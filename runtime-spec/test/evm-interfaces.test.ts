// The Solidity interfaces in contracts/precompiles describe exactly what the precompiles answer.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { evm } from "@darwin/pallets";
import { type Abi, toFunctionSelector } from "viem";
import { describe, expect, it } from "vitest";

const dir = new URL("../../contracts/precompiles/", import.meta.url);

function compile(): Record<string, Abi> {
  const solc = createRequire(import.meta.url)("solc") as { compile(input: string): string };
  const sources = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith(".sol"))
      .map((f) => [f, { content: readFileSync(new URL(f, dir), "utf8") }]),
  );
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources,
        settings: { outputSelection: { "*": { "*": ["abi"] } } },
      }),
    ),
  ) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: Abi }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  return Object.fromEntries(
    Object.values(out.contracts).flatMap((c) => Object.entries(c).map(([n, x]) => [n, x.abi])),
  );
}

const selectors = (abi: Abi) =>
  abi
    .filter((x) => x.type === "function")
    .map((x) => toFunctionSelector(x as never))
    .sort();

describe("contracts/precompiles", () => {
  it("compile with solc and match the precompiles' ABIs", () => {
    const abis = compile();
    expect(selectors(abis.IBalancesErc20!)).toEqual(selectors(evm.BALANCES_ERC20_ABI));
    expect(selectors(abis.IBatch!)).toEqual(selectors(evm.BATCH_ABI));
    expect(selectors(abis.ICallPermit!)).toEqual(selectors(evm.CALL_PERMIT_ABI));
  });
});
