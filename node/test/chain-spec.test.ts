import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@darwin/test-utils";
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
