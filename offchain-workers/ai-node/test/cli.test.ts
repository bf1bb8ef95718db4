import { join } from "node:path";
import { classifierTestSet, POOLED_PIXELS } from "@darwin/models";
import { freePort, httpAnswers, type RunningProcess, repoRoot, startProcess } from "@darwin/test-utils";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inferenceCommitment } from "../src/commitment.ts";
import { createInferenceEngine } from "../src/engine.ts";
import { generate } from "../src/generate.ts";
import { type TensorJson, tensorFromJson } from "../src/tensor.ts";
import { CLASSIFIER, LM, lmManifest, sourceWithModels } from "./fixtures.ts";
import { startTestGateway, type TestGateway } from "./gateway.ts";

const bin = join(repoRoot, "offchain-workers", "ai-node", "bin", "darwin-ai-node.js");
const test = classifierTestSet();
const digit = (i: number) => Array.from(test.inputs.subarray(i * POOLED_PIXELS, (i + 1) * POOLED_PIXELS));
const pixelsJson = (i: number) => ({ dtype: "float32", shape: [1, 49], data: digit(i) });

interface InferJson {
  modelCid: string;
  outputs: Record<string, TensorJson>;
  commitment: string;
  error?: { code: string; message: string };
}

describe("darwin-ai-node bin", () => {
  it("re-runs itself on the pinned Node.js 24 when started by another Node", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const { existsSync } = await import("node:fs");
    const run = promisify(execFile);
    expect((await run(process.execPath, [bin, "--version"])).stdout).toBe("darwin-ai-node 0.1.0\n");
    const systemNode = ["/usr/bin/node", "/usr/local/bin/node"].find((p) => existsSync(p));
    if (systemNode !== undefined)
      expect((await run(systemNode, [bin, "--version"])).stdout).toBe("darwin-ai-node 0.1.0\n");
    await expect(run(process.execPath, [bin, "serve"])).rejects.toThrow(/--gateway is required/);
    await expect(
      run(process.execPath, [bin, "serve", "--gateway", "http://127.0.0.1:1", "--batch-wait-ms", "5"]),
    ).rejects.toThrow(/--batch-wait-ms needs --batch-rows/);
  });
});

describe("darwin-ai-node serve (a real process over a trustless gateway)", () => {
  let gateway: TestGateway;
  let node: RunningProcess;
  let url: string;
  let blocks: Map<string, Uint8Array>;

  beforeAll(async () => {
    blocks = (await sourceWithModels()).blocks;
    gateway = await startTestGateway(blocks);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = await startProcess({
      name: "darwin-ai-node",
      command: process.execPath,
      args: [
        bin,
        "serve",
        "--gateway",
        gateway.url,
        "--port",
        String(port),
        "--preload",
        CLASSIFIER,
        // Dynamic batching on: concurrent requests below may share ORT runs, yet must get the answers
        // and commitments of requests run one by one.
        "--batch-rows",
        "32",
        "--batch-wait-ms",
        "2",
        "-l",
        "warn",
      ],
      ready: httpAnswers(`${url}/health`),
    });
  });

  afterAll(async () => {
    const code = await node?.stop();
    expect(code).toBe(0);
    await gateway?.close();
  });

  const post = async (path: string, body: unknown): Promise<{ status: number; json: InferJson }> => {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as InferJson };
  };

  it("answers JSON inference with outputs and a commitment anyone can recompute", async () => {
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string; models: string[] };
    expect(health).toMatchObject({ status: "ok", models: ["darwin-mnist-mlp@1.0.0"] });
    const inputs = { pixels: { dtype: "float32", shape: [1, 49], data: digit(3) } };
    const { status, json } = await post("/v1/infer", { model: CLASSIFIER, inputs });
    expect(status).toBe(200);
    expect(json.outputs.logits?.shape).toEqual([1, 10]);
    const outputs = { logits: tensorFromJson("logits", json.outputs.logits) };
    expect(json.commitment).toBe(
      inferenceCommitment(json.modelCid, { pixels: tensorFromJson("pixels", inputs.pixels) }, outputs),
    );
    const batch = await post("/v1/infer/batch", { model: "darwin-mnist-mlp", inputs: [inputs, inputs] });
    expect(batch.status).toBe(200);
  });

  it("answers bad requests with typed errors and stays up", async () => {
    const wrongShape = await post("/v1/infer", {
      model: CLASSIFIER,
      inputs: { pixels: { dtype: "float32", shape: [1, 7], data: [1, 2, 3, 4, 5, 6, 7] } },
    });
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.json.error?.code).toBe("MalformedInput");
    expect((await post("/v1/infer", "{not json")).json.error?.code).toBe("MalformedInput");
    const unknown = await post("/v1/infer", {
      model: "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
      inputs: {},
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error?.code).toBe("UnknownModel");
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it("answers 100 concurrent requests", async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        post("/v1/infer", {
          model: CLASSIFIER,
          inputs: { pixels: pixelsJson(i) },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    const local = createInferenceEngine({}, { source: await sourceWithModels() });
    for (const [i, a] of answers.entries()) {
      const alone = await Effect.runPromise(
        local.infer({ model: CLASSIFIER, inputs: { pixels: tensorFromJson("pixels", pixelsJson(i)) } }),
      );
      expect(a.json.commitment).toBe(alone.commitment);
    }
    await Effect.runPromise(local.close());
  });

  it("streams generated tokens as NDJSON, the same tokens the engine gives in-process", async () => {
    const res = await fetch(`${url}/v1/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: LM, prompt: "The node ", maxTokens: 12 }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    const lines: Record<string, unknown>[] = [];
    const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      buffered += chunk.value;
      let nl = buffered.indexOf("\n");
      while (nl >= 0) {
        lines.push(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf("\n");
      }
    }
    expect(lines).toHaveLength(13);
    expect(lines.at(-1)).toMatchObject({ done: true, tokens: 12 });
    const local = createInferenceEngine({}, { source: await sourceWithModels() });
    const expected: number[] = [];
    for await (const t of generate(local, { model: LM, prompt: "The node ", maxTokens: 12 }))
      expected.push(t.token);
    expect(lines.slice(0, 12).map((l) => l.token)).toEqual(expected);
    const sse = await fetch(`${url}/v1/generate`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ model: LM, prompt: "The node ", maxTokens: 4 }),
    });
    expect(sse.headers.get("content-type")).toBe("text/event-stream");
    const events = (await sse.text()).trim().split("\n\n");
    expect(events.map((e) => e.split("\n")[0])).toEqual([...Array(4).fill("event: token"), "event: done"]);
    expect(JSON.parse(events[0]?.split("\n")[1]?.slice("data: ".length) ?? "")).toMatchObject({
      token: expected[0],
    });
    const bad = await post("/v1/generate", { model: CLASSIFIER, prompt: "x", maxTokens: 3 });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.code).toBe("MalformedInput");
  });

  it("refuses a model whose bytes were tampered with at the gateway", async () => {
    const stageCid = lmManifest.stages?.find((s) => s.name === "head")?.cid as string;
    const original = blocks.get(stageCid) as Uint8Array;
    const tampered = original.slice();
    tampered[500] = (tampered[500] as number) ^ 0xff;
    blocks.set(stageCid, tampered);
    try {
      const res = await post("/v1/models", { model: LM, stage: "head" });
      expect(res.status).toBe(502);
      expect(res.json.error?.code).toBe("CidMismatch");
    } finally {
      blocks.set(stageCid, original);
    }
    const healed = await post("/v1/models", { model: LM, stage: "head" });
    expect(healed.status).toBe(200);
  });

  it("exports per-model metrics", async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(
      /darwin_ai_inference_seconds_bucket\{le="0\.001",model="darwin-mnist-mlp@1\.0\.0",kind="single"\}/,
    );
    expect(text).toMatch(
      /darwin_ai_inferences_total\{model="darwin-mnist-mlp@1\.0\.0",outcome="MalformedInput"\} [1-9]/,
    );
    // `--batch-rows` took effect: the concurrent requests above shared ORT runs.
    expect(text).toMatch(/darwin_ai_dynamic_batches_total\{model="darwin-mnist-mlp@1\.0\.0"\} [1-9]/);
  });
});
