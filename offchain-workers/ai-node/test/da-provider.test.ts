// The engine and the darwin-ai-node CLI fetching models from a REAL DA provider process
// (`darwin-da serve`), the files added with `darwin-da add` exactly as an operator would.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  artifactsDir,
  classifierTestSet,
  POOLED_PIXELS,
  readManifest,
  readModelIndex,
  stableJson,
} from "@darwin/models";
import { createRegistry, readMetric } from "@darwin/observability";
import { freePort, httpAnswers, type RunningProcess, repoRoot, startProcess } from "@darwin/test-utils";
import { Effect, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInferenceEngine } from "../src/engine.ts";
import { gatewayModelSource } from "../src/model-source.ts";
import type { Tensor } from "../src/tensor.ts";
import { CLASSIFIER, LM, lmManifest, tokens } from "./fixtures.ts";

const run = promisify(execFile);
const daBin = join(repoRoot, "offchain-workers", "da-provider", "bin", "darwin-da.js");
const aiBin = join(repoRoot, "offchain-workers", "ai-node", "bin", "darwin-ai-node.js");
const test = classifierTestSet();
const digit = (i: number): Tensor => ({
  dtype: "float32",
  shape: [1, 49],
  data: test.inputs.slice(i * POOLED_PIXELS, (i + 1) * POOLED_PIXELS),
});

/** A man in the middle that flips one byte of every response for `victim`. */
async function startTamperingProxy(
  upstream: string,
  victim: string,
): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "/");
    fetch(`${upstream}${req.url ?? "/"}`, { headers: { accept: req.headers.accept ?? "*/*" } })
      .then(async (up) => {
        const body = new Uint8Array(await up.arrayBuffer());
        if ((req.url ?? "").includes(victim) && body.length > 100) body[100] = (body[100] as number) ^ 0x01;
        res.writeHead(up.status, {
          "content-type": up.headers.get("content-type") ?? "application/octet-stream",
        });
        res.end(body);
      })
      .catch(() => res.writeHead(502).end());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  return { url: `http://127.0.0.1:${port}`, server, requests };
}

describe("models by CID from a real darwin-da provider", () => {
  const repo = mkdtempSync(join(tmpdir(), "darwin-da-ai-"));
  let da: RunningProcess;
  let daUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    daUrl = `http://127.0.0.1:${port}`;
    da = await startProcess({
      name: "darwin-da",
      command: process.execPath,
      args: [daBin, "serve", "--repo", repo, "--port", String(port), "-l", "warn"],
      ready: httpAnswers(`${daUrl}/ipfs/${CLASSIFIER}?format=raw`),
    });
    // Add every manifest and ONNX file with the DA provider's own CLI; it must print the manifests' CIDs.
    const files: { path: string; cid: string }[] = [];
    for (const entry of readModelIndex()) {
      files.push({ path: entry.manifest, cid: entry.manifestCid });
      for (const f of readManifest(entry.name).files) {
        if (f.path.endsWith(".onnx")) files.push({ path: `${entry.name}/${f.path}`, cid: f.cid });
      }
    }
    const added = await Promise.all(
      files.map(async (f) => {
        const { stdout } = await run(process.execPath, [
          daBin,
          "add",
          join(artifactsDir, f.path),
          "--api",
          daUrl,
          "--dev",
        ]);
        return stdout.trim();
      }),
    );
    expect(added).toEqual(files.map((f) => f.cid));
  });

  afterAll(async () => {
    await da?.stop();
    rmSync(repo, { recursive: true, force: true });
  });

  it("runs the classifier and every LM stage fetched by CID through the trustless gateway", async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const engine = createInferenceEngine({}, { source: gatewayModelSource({ gatewayUrl: daUrl }), registry });
    const r = await Effect.runPromise(engine.infer({ model: CLASSIFIER, inputs: { pixels: digit(0) } }));
    expect(r.outputs.logits?.shape).toEqual([1, 10]);
    expect(r.modelCid).toBe(readManifest("darwin-mnist-mlp").model.cid);
    let carried: Tensor = tokens("The node checks the block.");
    for (const [k, stage] of (lmManifest.stages ?? []).entries()) {
      const input = stage.inputs[0]?.name as string;
      const out = await Effect.runPromise(
        engine.infer({ model: LM, stage: stage.name, inputs: { [input]: carried } }),
      );
      carried = out.outputs[stage.outputs[0]?.name as string] as Tensor;
      expect(out.modelCid).toBe(lmManifest.stages?.[k]?.cid);
    }
    const whole = await Effect.runPromise(
      engine.infer({ model: LM, inputs: { tokens: tokens("The node checks the block.") } }),
    );
    const a = carried.data as Float32Array;
    const b = whole.outputs.logits?.data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
    expect(await readMetric(registry, "darwin_ai_model_bytes_verified_total")).toBeGreaterThan(300_000);
    await Effect.runPromise(engine.close());
  });

  it("answers 100 concurrent requests on a cold engine, loading the model once", async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const engine = createInferenceEngine({}, { source: gatewayModelSource({ gatewayUrl: daUrl }), registry });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        Effect.runPromise(engine.infer({ model: CLASSIFIER, inputs: { pixels: digit(i) } })),
      ),
    );
    expect(results).toHaveLength(100);
    expect(results.every((r) => r.outputs.logits?.data.length === 10)).toBe(true);
    expect(await readMetric(registry, "darwin_ai_model_loads_total", { outcome: "ok" })).toBe(1);
    // One manifest and one model file crossed the wire, however many requests wanted them.
    const manifestBytes = readFileSync(join(artifactsDir, "darwin-mnist-mlp", "manifest.json")).length;
    expect(await readMetric(registry, "darwin_ai_model_bytes_verified_total")).toBe(
      manifestBytes + readManifest("darwin-mnist-mlp").model.bytes,
    );
    await Effect.runPromise(engine.close());
  });

  it("rejects a byte tampered with between the provider and the node", async () => {
    const victim = readManifest("darwin-mnist-mlp").model.cid;
    const proxy = await startTamperingProxy(daUrl, victim);
    try {
      const engine = createInferenceEngine({}, { source: gatewayModelSource({ gatewayUrl: proxy.url }) });
      const exit = await Effect.runPromiseExit(
        engine.infer({ model: CLASSIFIER, inputs: { pixels: digit(0) } }),
      );
      expect(
        Exit.isFailure(exit) &&
          exit.cause.reasons.some((r) => r._tag === "Fail" && r.error._tag === "CidMismatch"),
      ).toBe(true);
      // Same engine, untampered model through the same proxy: still works.
      const ok = await Effect.runPromise(engine.infer({ model: LM, inputs: { tokens: tokens("abc") } }));
      expect(ok.outputs.logits?.shape).toEqual([1, 3, 256]);
      await Effect.runPromise(engine.close());
    } finally {
      proxy.server.closeAllConnections();
      proxy.server.close();
    }
  });

  it("loads a multi-block model with one CAR request per file, and refuses a tampered CAR", async () => {
    // The LM padded past one 256 KiB chunk (a long ONNX doc_string, protobuf field 6, appended), so the
    // provider stores it as a UnixFS DAG of raw leaves under a dag-pb root.
    const lm = readFileSync(join(artifactsDir, "darwin-tiny-lm", "lm.onnx"));
    const pad = new TextEncoder().encode("padding ".repeat(20_000));
    const varint: number[] = [];
    for (let n = pad.length; ; n >>>= 7) {
      if (n < 0x80) {
        varint.push(n);
        break;
      }
      varint.push((n & 0x7f) | 0x80);
    }
    const padded = Buffer.concat([lm, Buffer.from([0x32, ...varint]), pad]);
    const dir = mkdtempSync(join(tmpdir(), "darwin-ai-car-"));
    try {
      writeFileSync(join(dir, "big.onnx"), padded);
      const addFile = async (path: string) =>
        (await run(process.execPath, [daBin, "add", path, "--api", daUrl, "--dev"])).stdout.trim();
      const bigCid = await addFile(join(dir, "big.onnx"));
      expect(bigCid.startsWith("bafybei")).toBe(true);
      const manifest = { ...lmManifest, model: { ...lmManifest.model, cid: bigCid, bytes: padded.length } };
      writeFileSync(join(dir, "manifest.json"), stableJson(manifest));
      const manifestCid = await addFile(join(dir, "manifest.json"));

      const registry = createRegistry({ defaultMetrics: false });
      const counter = await startTamperingProxy(daUrl, "nothing-is-tampered");
      const source = gatewayModelSource({ gatewayUrl: counter.url, format: "car" });
      const engine = createInferenceEngine({}, { source, registry });
      const viaCar = await Effect.runPromise(
        engine.infer({ model: manifestCid, inputs: { tokens: tokens("The node") } }),
      );
      expect(counter.requests).toEqual([`/ipfs/${manifestCid}?format=car`, `/ipfs/${bigCid}?format=car`]);
      counter.server.closeAllConnections();
      counter.server.close();
      const reference = createInferenceEngine({}, { source: gatewayModelSource({ gatewayUrl: daUrl }) });
      const viaRaw = await Effect.runPromise(
        reference.infer({ model: LM, inputs: { tokens: tokens("The node") } }),
      );
      expect(Array.from(viaCar.outputs.logits?.data as Float32Array)).toEqual(
        Array.from(viaRaw.outputs.logits?.data as Float32Array),
      );
      expect(await readMetric(registry, "darwin_ai_model_bytes_verified_total")).toBeGreaterThan(
        padded.length,
      );

      const proxy = await startTamperingProxy(daUrl, bigCid);
      try {
        const victim = createInferenceEngine(
          {},
          { source: gatewayModelSource({ gatewayUrl: proxy.url, format: "car" }) },
        );
        const exit = await Effect.runPromiseExit(victim.load({ model: manifestCid }));
        expect(
          Exit.isFailure(exit) &&
            exit.cause.reasons.some((r) => r._tag === "Fail" && r.error._tag === "CidMismatch"),
        ).toBe(true);
        await Effect.runPromise(victim.close());
      } finally {
        proxy.server.closeAllConnections();
        proxy.server.close();
      }
      await Effect.runPromise(engine.close());
      await Effect.runPromise(reference.close());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves HTTP inference from the darwin-ai-node process over the DA provider", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const node = await startProcess({
      name: "darwin-ai-node",
      command: process.execPath,
      args: [
        aiBin,
        "serve",
        "--gateway",
        daUrl,
        "--gateway-format",
        "car",
        "--workers",
        "1",
        "--port",
        String(port),
        "-l",
        "warn",
      ],
      ready: httpAnswers(`${url}/health`),
    });
    try {
      const res = await fetch(`${url}/v1/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: CLASSIFIER,
          inputs: {
            pixels: { dtype: "float32", shape: [1, 49], data: Array.from(digit(7).data as Float32Array) },
          },
        }),
      });
      expect(res.status).toBe(200);
      const json = (await res.json()) as { outputs: { logits: { shape: number[] } }; commitment: string };
      expect(json.outputs.logits.shape).toEqual([1, 10]);
      const gen = await fetch(`${url}/v1/generate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: LM, prompt: "The chain ", maxTokens: 5, temperature: 0.8, seed: 42 }),
      });
      const lines = (await gen.text())
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(6);
      expect(lines[5]).toMatchObject({ done: true, tokens: 5 });
    } finally {
      expect(await node.stop()).toBe(0);
    }
  });
});
