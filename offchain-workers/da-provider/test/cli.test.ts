// Real `darwin-da serve` processes driven by the real `darwin-da` CLI.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { cidOf } from "@darwin/content-id";
import { freePort, httpAnswers, nodeBinary, type RunningProcess, startProcess } from "@darwin/test-utils";
import { CarReader } from "@ipld/car";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pseudoRandom } from "./helpers.ts";

const run = promisify(execFile);
const BIN = join(import.meta.dirname, "..", "bin", "darwin-da.js");
let dir: string;
const running: RunningProcess[] = [];

async function serve(name: string): Promise<{ url: string; proc: RunningProcess; repo: string }> {
  const port = await freePort();
  const repo = join(dir, name);
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    name: `darwin-da ${name}`,
    command: nodeBinary,
    args: [BIN, "serve", "--repo", repo, "--port", String(port), "--gc-interval-ms", "0", "-l", "warn"],
    ready: httpAnswers(`${url}/health`),
  });
  running.push(proc);
  return { url, proc, repo };
}

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(nodeBinary, [BIN, ...args], { maxBuffer: 64 << 20 });
  return stdout;
}

async function cliFails(...args: string[]): Promise<string> {
  try {
    await run(nodeBinary, [BIN, ...args]);
  } catch (err) {
    return String((err as { stderr?: string }).stderr);
  }
  throw new Error(`darwin-da ${args.join(" ")} succeeded`);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "darwin-da-cli-"));
});

afterAll(async () => {
  for (const proc of running) await proc.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("darwin-da CLI against real providers", () => {
  it("replicates a model to a second provider, which serves it after the first is gone", async () => {
    const a = await serve("a");
    const b = await serve("b");
    const model = pseudoRandom(1_300_000, 31);
    const file = join(dir, "model.onnx");
    writeFileSync(file, model);

    const cid = (await cli("add", file, "--api", a.url, "--dev")).trim();
    expect(cid).toBe((await cidOf(model)).toString());
    expect(await cli("pin", "add", cid, "--from", a.url, "--api", b.url, "--dev")).toContain(`from ${a.url}`);

    // Lose provider A entirely: process and disk.
    await a.proc.stop();
    rmSync(a.repo, { recursive: true, force: true });

    const out = join(dir, "fetched.onnx");
    await cli("get", cid, "--api", b.url, "--out", out);
    expect(Buffer.compare(readFileSync(out), model)).toBe(0);
    const report = JSON.parse(await cli("check", cid, "--provider", b.url, "--samples", "8")) as {
      passed: boolean;
    };
    expect(report.passed).toBe(true);

    // B's CAR goes into a third provider byte for byte, and B keeps its pin across a restart.
    const car = join(dir, "model.car");
    await cli("export-car", cid, "--api", b.url, "--out", car);
    const reader = await CarReader.fromBytes(readFileSync(car));
    expect((await reader.getRoots()).map(String)).toEqual([cid]);
    const c = await serve("c");
    expect((await cli("import-car", car, "--api", c.url, "--dev")).trim()).toBe(cid);
    const car2 = join(dir, "model2.car");
    await cli("export-car", cid, "--api", c.url, "--out", car2);
    expect(Buffer.compare(readFileSync(car2), readFileSync(car))).toBe(0);

    await b.proc.stop();
    const b2 = await startProcess({
      name: "darwin-da b (restarted)",
      command: nodeBinary,
      args: [
        BIN,
        "serve",
        "--repo",
        b.repo,
        "--port",
        String(new URL(b.url).port),
        "--gc-interval-ms",
        "0",
        "-l",
        "warn",
      ],
      ready: httpAnswers(`${b.url}/health`),
    });
    running.push(b2);
    expect(await cli("gc", "--api", b.url)).toContain('"removedBlocks":0');
    const pins = JSON.parse(await cli("pin", "ls", "--api", b.url, "--dev")) as {
      pins: Array<{ root: string }>;
    };
    expect(pins.pins.map((p) => p.root)).toEqual([cid]);
  });

  it("reports bad input with its code and a non-zero exit", async () => {
    const p = await serve("d");
    expect(await cliFails("get", "not-a-cid", "--api", p.url)).toMatch(/not a CID/);
    const missing = (await cidOf(pseudoRandom(9, 3))).toString();
    expect(await cliFails("get", missing, "--api", p.url)).toMatch(/NOT_FOUND/);
    const junk = join(dir, "junk.car");
    writeFileSync(junk, pseudoRandom(100, 4));
    expect(await cliFails("import-car", junk, "--api", p.url, "--dev")).toMatch(/darwin-da:/);
    expect(await cliFails("add", join(dir, "model.onnx"), "--api", p.url)).toMatch(/--key/);
    expect(await httpAnswers(`${p.url}/health`)()).toBe(true);
  });
});
