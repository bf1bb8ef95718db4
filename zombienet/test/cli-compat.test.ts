// darwin-node accepts zombienet's native-provider command lines, spec flow and keystore layout
// (DARWIN.md section 4, "zombienet"), and reports readiness through the Prometheus names it reads.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parsePrometheusText } from "@darwin/observability";
import { freePort, httpAnswers, nodeBinary, repoRoot, startProcess, waitFor } from "@darwin/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = join(repoRoot, "node", "bin", "darwin-node.js");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "darwin-zombie-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Alice's and Bob's well-known keys, as zombienet writes them into specs (SS58) and keystores (hex).
const ALICE_SR = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const ALICE_ED = "5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu";
const ALICE_SR_HEX = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
const ALICE_ED_HEX = "88dc3417d5058ec4b4503e0c12ea1a0a89be200fe98922423d4334014fa6b0ee";

describe("zombienet native provider compatibility", () => {
  it("advertises the V2 CLI in --help", async () => {
    const { stdout } = await run(nodeBinary, [bin, "--help"]);
    expect(stdout).toContain("--insecure-validator-i-know-what-i-do");
  });

  it("build-spec plain -> zombienet edits -> build-spec --raw -> a node with zombienet's flags produces blocks", async () => {
    const plain = join(dir, "plain.json");
    const { stdout } = await run(nodeBinary, [
      bin,
      "build-spec",
      "--chain",
      "local",
      "--disable-default-bootnode",
    ]);
    const spec = JSON.parse(stdout) as {
      id: string;
      genesis: {
        runtimeGenesis: {
          patch: {
            aura: { authorities: string[] };
            grandpa: { authorities: [string, number][] };
            balances: { balances: [string, string | number][] };
          };
        };
      };
    };
    // What zombienet does to the plain spec: SS58 authorities of its nodes, SS58 endowments.
    const patch = spec.genesis.runtimeGenesis.patch;
    patch.aura.authorities = [ALICE_SR];
    patch.grandpa.authorities = [[ALICE_ED, 1]];
    patch.balances.balances.push([ALICE_SR, "1000000000000000000000"]);
    writeFileSync(plain, JSON.stringify(spec));
    const raw = await run(nodeBinary, [bin, "build-spec", "--chain", plain, "--raw"], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const rawPath = join(dir, "raw.json");
    writeFileSync(rawPath, raw.stdout);

    const base = join(dir, "alice");
    const keystore = join(base, "chains", spec.id, "keystore");
    mkdirSync(keystore, { recursive: true });
    writeFileSync(join(keystore, `61757261${ALICE_SR_HEX}`), JSON.stringify("//Alice"));
    writeFileSync(join(keystore, `6772616e${ALICE_ED_HEX}`), JSON.stringify("//Alice"));

    const [rpcPort, promPort, p2pPort] = [await freePort(), await freePort(), await freePort()];
    const metrics = `http://127.0.0.1:${promPort}/metrics`;
    const proc = await startProcess({
      name: "darwin-node (zombienet flags)",
      command: nodeBinary,
      args: [
        bin,
        "--chain",
        rawPath,
        "--name",
        "alice",
        "--rpc-cors",
        "all",
        "--rpc-methods",
        "unsafe",
        "--no-mdns",
        "--node-key",
        "2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90",
        "--no-telemetry",
        "--prometheus-external",
        "--validator",
        "--insecure-validator-i-know-what-i-do",
        "--prometheus-port",
        String(promPort),
        "--rpc-port",
        String(rpcPort),
        "--listen-addr",
        `/ip4/127.0.0.1/tcp/${p2pPort}/ws`,
        "--base-path",
        base,
      ],
      ready: httpAnswers(metrics),
      readyTimeoutMs: 60_000,
    });
    try {
      const read = async () => parsePrometheusText(await (await fetch(metrics)).text());
      const first = await read();
      expect(first.get("substrate_process_start_time_seconds")).toBeGreaterThan(0);
      expect(first.get("substrate_sub_libp2p_peers_count")).toBe(0);
      // One authority with its keys in the keystore: it authors every 6 s slot and finalizes.
      await waitFor(
        async () =>
          (await read()).get('substrate_block_height{status="finalized"}')! >= 1 ? true : undefined,
        {
          timeoutMs: 30_000,
        },
      );
      expect(proc.output()).toMatch(/Local node identity is: 12D3KooW/);
      expect(proc.output()).toMatch(/Prepared block #1/);
    } finally {
      await proc.stop();
    }
  });

  it("the network definition names the darwin-node binary and two validators", () => {
    const toml = readFileSync(join(repoRoot, "zombienet", "networks", "local.toml"), "utf8");
    expect(toml).toMatch(/default_command = "node\/bin\/darwin-node\.js"/);
    expect(toml.match(/\[\[relaychain\.nodes\]\]/g)).toHaveLength(2);
  });
});
