import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot, startDarwinNode } from "@darwin/test-utils";
import { createPublicClient, http } from "viem";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = join(repoRoot, "node", "bin", "darwin-node.js");

describe("chain specs", () => {
  it("chain-spec.json at the root is the local chain's plain spec, as `npm run chain-spec` regenerates it", async () => {
    const { stdout } = await run(process.execPath, [
      bin,
      "build-spec",
      "--chain",
      "local",
      "--disable-default-bootnode",
    ]);
    const committed = JSON.parse(readFileSync(join(repoRoot, "chain-spec.json"), "utf8")) as unknown;
    expect(JSON.parse(stdout)).toEqual(committed);
  });

  it("the raw spec holds the genesis storage, with System and Balances entries", async () => {
    const { stdout } = await run(process.execPath, [bin, "build-spec", "--chain", "dev", "--raw"], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const spec = JSON.parse(stdout) as { id: string; genesis: { raw: { top: Record<string, string> } } };
    expect(spec.id).toBe("dev");
    const keys = Object.keys(spec.genesis.raw.top);
    // twox128("Balances") ++ twox128("TotalIssuance")
    expect(keys).toContain("0xc2261276cc9d1f8598ea4b6a74b15c2f57c875e4cff74148e4628f264b974c80");
    expect(
      keys.some((k) => k.startsWith("0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9")),
    ).toBe(true);
  });

  it("unknown flags are refused with exit code 2 and a clear message", async () => {
    await expect(run(process.execPath, [bin, "--no-such-flag"])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unexpected argument '--no-such-flag'/),
    });
  });
});

describe("EVM genesis accounts in a chain spec", () => {
  it("a spec's evm.accounts are served by the Ethereum RPC from block 0", async () => {
    const { stdout } = await run(process.execPath, [bin, "build-spec", "--chain", "dev"], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const spec = JSON.parse(stdout) as {
      genesis: { runtimeGenesis: { patch: Record<string, unknown> } };
    };
    const contract = "0x00000000000000000000000000000000000c0de1" as const;
    const holder = "0x1111111111111111111111111111111111111111" as const;
    const value = `0x${"00".repeat(31)}2a` as const;
    spec.genesis.runtimeGenesis.patch.evm = {
      accounts: {
        // Returns storage slot 0: SLOAD(0) MSTORE(0) RETURN(0, 32).
        [contract]: { code: "0x60005460005260206000f3", storage: { [`0x${"00".repeat(32)}`]: value } },
        [holder]: { balance: "0x4563918244f40000", nonce: 3 },
      },
    };
    const dir = mkdtempSync(join(tmpdir(), "darwin-spec-"));
    const file = join(dir, "evm-genesis.json");
    writeFileSync(file, JSON.stringify(spec));
    const node = await startDarwinNode(["--chain", file, "--tmp"]);
    try {
      const client = createPublicClient({ transport: http(node.httpUrl) });
      expect(await client.getCode({ address: contract })).toBe("0x60005460005260206000f3");
      expect(await client.getStorageAt({ address: contract, slot: "0x0" })).toBe(value);
      expect(await client.getBalance({ address: holder })).toBe(5n * 10n ** 18n);
      expect(await client.getTransactionCount({ address: holder })).toBe(3);
      expect((await client.call({ account: holder, to: contract })).data).toBe(value);
    } finally {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
