import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { cidOf } from "@darwin/content-id";
import { afterAll, describe, expect, it } from "vitest";
import { artifactsDir, parseManifest, readManifest, readModelIndex } from "../src/index.ts";

const run = promisify(execFile);
const buildScript = new URL("../scripts/build.ts", import.meta.url).pathname;

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

describe("model build", () => {
  const outDir = mkdtempSync(join(tmpdir(), "darwin-models-"));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("rebuilds into a fresh folder byte-for-byte identical to the committed artifacts", async () => {
    await run(process.execPath, [buildScript, "--out", outDir]);
    const committed = listFiles(artifactsDir)
      .map((p) => relative(artifactsDir, p))
      .sort();
    const rebuilt = listFiles(outDir)
      .map((p) => relative(outDir, p))
      .sort();
    expect(rebuilt).toEqual(committed);
    expect(committed.length).toBeGreaterThanOrEqual(10);
    for (const path of committed) {
      const a = readFileSync(join(artifactsDir, path));
      const b = readFileSync(join(outDir, path));
      expect(b.equals(a), `${path} differs after rebuild`).toBe(true);
    }
    // Training takes ~12 s of CPU; a shared two-core CI machine may stretch that well past the default.
  }, 240_000);

  it("records in every manifest the CID of every file, and in the index the CID of every manifest", async () => {
    const index = readModelIndex();
    expect(index.map((m) => m.name).sort()).toEqual(["darwin-mnist-mlp", "darwin-tiny-lm"]);
    for (const entry of index) {
      const manifestBytes = readFileSync(join(artifactsDir, entry.manifest));
      expect((await cidOf(manifestBytes)).toString()).toBe(entry.manifestCid);
      const manifest = readManifest(entry.name);
      expect(manifest.model.cid).toBe(entry.modelCid);
      for (const file of manifest.files) {
        const bytes = readFileSync(join(artifactsDir, entry.name, file.path));
        expect(bytes.length).toBe(file.bytes);
        expect((await cidOf(bytes)).toString()).toBe(file.cid);
      }
      for (const stage of manifest.stages ?? []) {
        expect(manifest.files.find((f) => f.path === stage.file)?.cid).toBe(stage.cid);
      }
      expect(manifest.license).not.toBe("");
      expect(manifest.inputs.length).toBeGreaterThan(0);
    }
  });

  it("keeps the committed files small", () => {
    for (const path of listFiles(artifactsDir)) expect(statSync(path).size).toBeLessThan(512 * 1024);
  });

  it("rejects a manifest that lacks what an engine needs", () => {
    const good = readManifest("darwin-mnist-mlp");
    expect(() => parseManifest({ ...good, schema: "other/1" })).toThrow(/schema/);
    expect(() => parseManifest({ ...good, inputs: [{ name: "x", dtype: "int8", shape: [1] }] })).toThrow(
      /inputs/,
    );
    expect(() => parseManifest({ ...good, model: undefined })).toThrow(/model/);
    expect(() => parseManifest("[]")).toThrow(/BAD_MANIFEST|not an object/);
  });
});
