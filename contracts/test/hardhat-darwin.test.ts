// Proves the Hardhat 3 suite in test/hardhat (ERC-20 deploy, transfer, events, revert reasons,
// allowance) the way a developer runs it: `hardhat test` as a child process, first on Hardhat's own
// simulated network, then with `--network darwin` against a real darwin-node on a free port.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DarwinNodeHandle, nodeBinary, rpcCall, startDarwinNode } from "@darwin/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const contractsDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const hardhatCli = join(
  dirname(createRequire(import.meta.url).resolve("hardhat/package.json")),
  "dist/src/cli.js",
);
const SUITE_TESTS = 4;

interface HardhatRun {
  readonly exitCode: number;
  readonly output: string;
}

/** Runs `hardhat test [args]` in contracts/ and returns its exit code and combined output. */
function hardhatTest(args: readonly string[], env: Record<string, string> = {}): Promise<HardhatRun> {
  return new Promise((resolve) => {
    execFile(
      nodeBinary,
      [hardhatCli, "test", ...args],
      {
        cwd: contractsDir,
        env: { ...process.env, ...env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true", NO_COLOR: "1" },
        timeout: 180_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ exitCode, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe("Hardhat 3 contract suite", () => {
  it("passes on Hardhat's simulated network (EDR), compiling offline with the npm solc", async () => {
    const run = await hardhatTest([]);
    expect(run.output).not.toMatch(/Downloading/i);
    expect(run.output, run.output).toContain(`${SUITE_TESTS} passing`);
    expect(run.exitCode, run.output).toBe(0);
  }, 180_000);

  describe("against darwin-node --dev", () => {
    let node: DarwinNodeHandle | undefined;
    beforeAll(async () => {
      node = await startDarwinNode(["--dev"]);
    });
    afterAll(async () => {
      await node?.stop();
    });

    it("passes with --network darwin", async () => {
      if (node === undefined) throw new Error("darwin-node did not start");
      // The config pins chain id 4242; Hardhat refuses a node that reports another one.
      expect((await rpcCall(node.httpUrl, "eth_chainId")).result).toBe("0x1092");

      const run = await hardhatTest(["--network", "darwin"], { DARWIN_RPC_URL: node.httpUrl });
      expect(run.output, run.output).toContain(`${SUITE_TESTS} passing`);
      expect(run.exitCode, run.output).toBe(0);
    }, 180_000);
  });
});
