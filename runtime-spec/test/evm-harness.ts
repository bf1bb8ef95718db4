// Ethereum transactions on the in-memory chain: what the executive will do for self-contained calls.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { blake2_256, devEthereumAccounts } from "@darwin/crypto";
import { system } from "@darwin/pallets";
import { Header, storagePrefix } from "@darwin/pallets/support";
import { decode, encode, u64 } from "@darwin/scale";
import { createTx, type TypedTxData } from "@ethereumjs/tx";
import { type EventRecordLike, TestChain } from "./harness.ts";

const AURA = new Uint8Array([0x61, 0x75, 0x72, 0x61]);

export type BlockItem = { readonly eth: Uint8Array } | { readonly substrate: Uint8Array };

export interface ItemResult {
  readonly ok: boolean;
  readonly error?: unknown;
}

/** Builds and imports a block mixing Ethereum (self-contained) and Substrate extrinsics. */
export async function mixedBlock(chain: TestChain, items: readonly BlockItem[]) {
  const ext = chain.ext();
  chain.number += 1;
  chain.slot += 1n;
  chain.now += 6000n;
  await chain.rt.initializeBlock(ext, {
    parentHash: chain.parentHash,
    number: chain.number,
    stateRoot: new Uint8Array(32),
    extrinsicsRoot: new Uint8Array(32),
    digest: { logs: [{ type: "PreRuntime", value: [AURA, encode(u64, chain.slot)] }] },
  });
  const results: ItemResult[] = [];
  for (const xt of chain.rt.inherentExtrinsics(new Map([["timstap0", encode(u64, chain.now)]]))) {
    const r = await chain.rt.applyExtrinsic(ext, xt);
    if ("err" in r) throw new Error(`inherent failed: ${JSON.stringify(r.err)}`);
  }
  const f = chain.rt.pallets.frontier.ethereum;
  const ctx = chain.rt.ctx(ext);
  for (const item of items) {
    if ("substrate" in item) {
      ext.startTransaction();
      const r = await chain.rt.applyExtrinsic(ext, item.substrate);
      if ("err" in r) ext.rollbackTransaction();
      else ext.commitTransaction();
      results.push("err" in r ? { ok: false, error: r.err } : { ok: true });
      continue;
    }
    const call = { type: "Ethereum", value: { type: "transact", value: { transaction: item.eth } } };
    try {
      const sender = f.checkSelfContained(call);
      const post = await f.applySelfContained(ctx, call, sender);
      // What the executive does after any extrinsic: account its weight in the block.
      const used = system.BlockWeightUsed.get(ext);
      system.BlockWeightUsed.set(ext, {
        refTime: used.refTime + (post.actualWeight?.refTime ?? 0n) + 125_000_000n,
        proofSize: used.proofSize,
      });
      results.push({ ok: true });
    } catch (error) {
      results.push({ ok: false, error });
    }
  }
  const header = await chain.rt.finalizeBlock(ext);
  const raw = ext.get(storagePrefix("System", "Events"));
  const events = (raw ? decode(chain.rt.composed.eventsCodec, raw) : []) as unknown as EventRecordLike[];
  chain.backend.apply(ext.changes());
  chain.parentHash = blake2_256(encode(Header, header));
  return { header, results, events };
}

export function accounts() {
  return devEthereumAccounts();
}

/** Signs an Ethereum transaction with dev account `who` on the chain's Common. */
export function signEth(chain: TestChain, who: number, data: TypedTxData & { type?: number }): Uint8Array {
  const acct = devEthereumAccounts()[who]!;
  const common = chain.rt.pallets.frontier.evm.runner.common;
  const tx = createTx(
    {
      gasLimit: 100_000n,
      maxFeePerGas: 10_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
      type: 2,
      ...data,
    } as TypedTxData,
    { common },
  );
  return tx.sign(acct.secretKey).serialize();
}

export function balanceOf(chain: TestChain, who: Uint8Array): bigint {
  return system.Account.get(chain.ext(), who).data.free;
}

export function nonceOf(chain: TestChain, who: Uint8Array): number {
  return system.Account.get(chain.ext(), who).nonce;
}

let compiled: Record<string, { abi: unknown[]; bytecode: string }> | undefined;

/** Compiles the test contracts with the npm solc package (offline) once per test file. */
export function contracts(): Record<string, { abi: unknown[]; bytecode: string }> {
  if (compiled) return compiled;
  const solc = createRequire(import.meta.url)("solc") as { compile(input: string): string };
  const source = readFileSync(new URL("./fixtures/EvmTest.sol", import.meta.url), "utf8");
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { "EvmTest.sol": { content: source } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          evmVersion: "cancun",
          outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
        },
      }),
    ),
  ) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  compiled = Object.fromEntries(
    Object.entries(out.contracts["EvmTest.sol"]!).map(([name, c]) => [
      name,
      { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` },
    ]),
  );
  return compiled;
}

export type { EventRecordLike };
export { TestChain };
