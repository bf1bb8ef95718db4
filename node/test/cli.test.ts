// darwin-node's command line and dev sealing, against the real binary.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot, rpcCall, startDarwinNode, waitFor } from "@darwin/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = join(repoRoot, "node", "bin", "darwin-node.js");
type Header = { number: string; stateRoot: string; parentHash: string; digest: { logs: string[] } };

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "darwin-cli-"));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("darwin-node CLI", () => {
  it("--help lists the zombienet-relevant flags; key generate prints a phrase and key", async () => {
    const { stdout } = await run(process.execPath, [bin, "--help"]);
    expect(stdout).toContain("--insecure-validator-i-know-what-i-do");
    expect(stdout).toContain("build-spec");
    const gen = await run(process.execPath, [
      bin,
      "key",
      "generate",
      "--scheme",
      "sr25519",
      "--output-type",
      "json",
    ]);
    const info = JSON.parse(gen.stdout) as { secretPhrase: string; publicKey: string };
    expect(info.secretPhrase.split(" ")).toHaveLength(12);
    expect(info.publicKey).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("key insert writes the keystore in Substrate's layout", async () => {
    const dir = join(base, "keys");
    await run(process.execPath, [
      bin,
      "key",
      "insert",
      "--base-path",
      dir,
      "--chain",
      "local",
      "--suri",
      "//Alice",
      "--key-type",
      "aura",
    ]);
    const files = readdirSync(join(dir, "chains", "local", "keystore"));
    // hex("aura") ++ Alice's sr25519 public key
    expect(files).toContain("61757261d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");
    expect(JSON.parse(readFileSync(join(dir, "chains", "local", "keystore", files[0]!), "utf8"))).toBe(
      "//Alice",
    );
  });

  it("manual sealing: engine_createBlock and engine_finalizeBlock; export-blocks then import-blocks re-executes them", async () => {
    const dir = join(base, "manual");
    const node = await startDarwinNode([
      "--chain",
      "dev",
      "--alice",
      "--base-path",
      dir,
      "--sealing",
      "manual",
    ]);
    let exportedBest: Header;
    try {
      const created = (await rpcCall(node.httpUrl, "engine_createBlock", [true, false])).result as {
        hash: string;
      };
      expect(created.hash).toMatch(/^0x[0-9a-f]{64}$/);
      const second = (await rpcCall(node.httpUrl, "engine_createBlock", [true, false])).result as {
        hash: string;
      };
      expect((await rpcCall(node.httpUrl, "chain_getFinalizedHead")).result).not.toBe(second.hash);
      expect((await rpcCall(node.httpUrl, "engine_finalizeBlock", [second.hash])).result).toBe(true);
      expect((await rpcCall(node.httpUrl, "chain_getFinalizedHead")).result).toBe(second.hash);
      const block = (await rpcCall(node.httpUrl, "chain_getBlock", [second.hash])).result as {
        justifications: [string, string][];
      };
      expect(block.justifications[0]![0]).toBe("0x46524e4b");
      // A block with nothing to include and createEmpty=false is refused clearly.
      const refused = await rpcCall(node.httpUrl, "engine_createBlock", [false, false]);
      expect(refused.error?.message).toMatch(/no transactions/);
      exportedBest = (await rpcCall(node.httpUrl, "chain_getHeader")).result as Header;
    } finally {
      await node.stop();
    }
    const file = join(base, "blocks.jsonl");
    await run(process.execPath, [bin, "export-blocks", "--chain", "dev", "--base-path", dir, file]);
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(2);
    const fresh = join(base, "fresh");
    const { stdout } = await run(process.execPath, [
      bin,
      "import-blocks",
      "--chain",
      "dev",
      "--base-path",
      fresh,
      file,
    ]);
    expect(stdout).toMatch(/Imported 2 blocks\. Best: #2/);
    // A tampered block is refused by re-execution / seal check.
    const lines = readFileSync(file, "utf8").trim().split("\n");
    const rec = JSON.parse(lines[0]!) as { header: string };
    rec.header = `${rec.header.slice(0, 80)}${rec.header[80] === "0" ? "1" : "0"}${rec.header.slice(81)}`;
    writeFileSync(join(base, "bad.jsonl"), `${JSON.stringify(rec)}\n`);
    await expect(
      run(process.execPath, [
        bin,
        "import-blocks",
        "--chain",
        "dev",
        "--base-path",
        join(base, "fresh2"),
        join(base, "bad.jsonl"),
      ]),
    ).rejects.toMatchObject({ code: 1 });
    const n2 = await startDarwinNode(["--chain", "dev", "--base-path", fresh, "--sealing", "manual"]);
    try {
      const h = (await rpcCall(n2.httpUrl, "chain_getHeader")).result as Header;
      expect(h.stateRoot).toBe(exportedBest!.stateRoot);
    } finally {
      await n2.stop();
    }
    await run(process.execPath, [bin, "purge-chain", "--chain", "dev", "--base-path", fresh]);
    expect(existsSync(join(fresh, "chains", "dev", "db"))).toBe(false);
  });

  it("Aura slots: a validator with a keystore key authors only its own slots", async () => {
    const dir = join(base, "aura");
    await run(process.execPath, [
      bin,
      "key",
      "insert",
      "--base-path",
      dir,
      "--chain",
      "dev",
      "--suri",
      "//Alice",
      "--key-type",
      "aura",
    ]);
    await run(process.execPath, [
      bin,
      "key",
      "insert",
      "--base-path",
      dir,
      "--chain",
      "dev",
      "--suri",
      "//Alice",
      "--key-type",
      "gran",
    ]);
    const node = await startDarwinNode(["--chain", "dev", "--validator", "--base-path", dir]);
    try {
      // Slots are 6 s: wait for one authored block.
      const header = await waitFor(
        async () => {
          const h = (await rpcCall(node.httpUrl, "chain_getHeader")).result as Header;
          return Number.parseInt(h.number, 16) >= 1 ? h : undefined;
        },
        { timeoutMs: 20_000 },
      );
      expect(header.digest.logs.some((l) => l.startsWith("0x0661757261"))).toBe(true); // PreRuntime("aura", slot)
      expect(header.digest.logs.at(-1)!.startsWith("0x0561757261")).toBe(true); // Seal("aura", sig)
      expect(
        (
          await rpcCall(node.httpUrl, "author_hasKey", [
            "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d",
            "aura",
          ])
        ).result,
      ).toBe(true);
      const rotated = (await rpcCall(node.httpUrl, "author_rotateKeys")).result as string;
      expect(rotated).toMatch(/^0x[0-9a-f]{128}$/);
      expect((await rpcCall(node.httpUrl, "author_hasSessionKeys", [rotated])).result).toBe(true);
      const proof = (
        await rpcCall(node.httpUrl, "state_getReadProof", [
          ["0xc2261276cc9d1f8598ea4b6a74b15c2f57c875e4cff74148e4628f264b974c80"],
        ])
      ).result as { proof: string[] };
      expect(proof.proof.length).toBeGreaterThan(0);
    } finally {
      await node.stop();
    }
  });

  it("--block-builder main builds on the RPC thread; another value is refused", async () => {
    const node = await startDarwinNode(["--dev", "--sealing", "manual", "--block-builder", "main"]);
    try {
      const created = (await rpcCall(node.httpUrl, "engine_createBlock", [true, true])).result as {
        hash: string;
      };
      expect(created.hash).toMatch(/^0x[0-9a-f]{64}$/);
      const head = (await rpcCall(node.httpUrl, "chain_getHeader", [])).result as { number: string };
      expect(Number(head.number)).toBe(1);
    } finally {
      await node.stop();
    }
    await expect(run(process.execPath, [bin, "--dev", "--block-builder", "gpu"])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--block-builder must be worker or main"),
    });
  });

  it("--rpc-methods safe hides unsafe methods", async () => {
    const node = await startDarwinNode(["--dev", "--rpc-methods", "safe"]);
    try {
      const methods = ((await rpcCall(node.httpUrl, "rpc_methods")).result as { methods: string[] }).methods;
      expect(methods).toContain("chain_getBlock");
      expect(methods).not.toContain("author_rotateKeys");
      expect((await rpcCall(node.httpUrl, "author_rotateKeys")).error?.code).toBe(-32601);
    } finally {
      await node.stop();
    }
  });
});
