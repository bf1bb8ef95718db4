import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { repoRoot } from "@darwin/test-utils";
import { type Abi, type Chain, defineChain, type Hex } from "viem";

export const ALITH = "0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac" as const;
export const ALITH_KEY = "0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133" as const;
export const CHAIN_ID = 4242;

export function darwinChain(httpUrl: string, wsUrl: string): Chain {
  return defineChain({
    id: CHAIN_ID,
    name: "Darwin dev",
    nativeCurrency: { name: "DNA", symbol: "DNA", decimals: 18 },
    rpcUrls: { default: { http: [httpUrl], webSocket: [wsUrl] } },
  });
}

/** DarwinTestToken compiled here with the npm solc package (offline), as `contracts:build` does. */
export function compileTestToken(): { abi: Abi; bytecode: Hex } {
  const require = createRequire(import.meta.url);
  const solc = require("solc") as { compile(input: string): string };
  const source = readFileSync(join(repoRoot, "contracts", "src", "token", "DarwinTestToken.sol"), "utf8");
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { "DarwinTestToken.sol": { content: source } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          evmVersion: "cancun",
          outputSelection: { "*": { DarwinTestToken: ["abi", "evm.bytecode.object"] } },
        },
      }),
    ),
  ) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const c = out.contracts["DarwinTestToken.sol"]!.DarwinTestToken!;
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}
