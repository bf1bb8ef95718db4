import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@darwin/test-utils";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = join(repoRoot, "node", "bin", "darwin-node.js");

describe("darwin-node bin", () => {
  it("runs on the pinned Node.js 24", async () => {
    const { stdout } = await run(process.execPath, [bin, "--version"]);
    expect(stdout).toMatch(/\(Node\.js v24\./);
  });

  it("re-runs itself on the pinned Node.js 24 when started by another Node", async () => {
    // /usr/bin/node is the machine's own (older) Node where there is one; the shim must hop to v24.
    const { existsSync } = await import("node:fs");
    const systemNode = ["/usr/bin/node", "/usr/local/bin/node"].find((p) => existsSync(p));
    if (systemNode === undefined) return;
    const { stdout } = await run(systemNode, [bin, "--version"]);
    expect(stdout).toMatch(/\(Node\.js v24\./);
  });
});
