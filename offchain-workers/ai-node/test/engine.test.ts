import { createHash } from "node:crypto";
import { parseCid } from "@darwin/content-id";
import {
  classifierForward,
  classifierTestSet,
  defaultClassifier,
  POOLED_PIXELS,
  stableJson,
} from "@darwin/models";
import { createRegistry, readMetric } from "@darwin/observability";
import { describe, expect, it } from "@effect/vitest";
import { Effect, Exit, Layer } from "effect";
import { inferenceCommitment } from "../src/commitment.ts";
import {
  createInferenceEngine,
  InferenceEngine,
  type InferenceEngineShape,
  inferenceEngineLayer,
} from "../src/engine.ts";
import { type MemoryModelSource, memoryModelSourceLayer } from "../src/model-source.ts";
import { inProcessRunner, workerPoolRunner } from "../src/runner.ts";
import type { Tensor } from "../src/tensor.ts";
import { CLASSIFIER, LM, lmManifest, pixels, putSlowModel, sourceWithModels, tokens } from "./fixtures.ts";

const test = classifierTestSet();
const digit = (i: number) => test.inputs.slice(i * POOLED_PIXELS, (i + 1) * POOLED_PIXELS);

function failureTag<A, E extends { _tag: string }>(exit: Exit.Exit<A, E>): string | undefined {
  if (Exit.isSuccess(exit)) return undefined;
  const found = exit.cause.reasons.find((r) => r._tag === "Fail");
  return found && "error" in found ? (found.error as { _tag: string })._tag : "defect";
}

async function engineWith(opts: Parameters<typeof createInferenceEngine>[0] = {}): Promise<{
  engine: InferenceEngineShape;
  source: MemoryModelSource;
  registry: ReturnType<typeof createRegistry>;
}> {
  const source = await sourceWithModels();
  const registry = createRegistry({ defaultMetrics: false });
  return { engine: createInferenceEngine(opts, { source, registry }), source, registry };
}

describe("InferenceEngine over an in-memory source", () => {
  it.effect("runs the classifier by manifest CID and matches the TypeScript reference", () =>
    Effect.gen(function* () {
      const { engine } = yield* Effect.promise(() => engineWith());
      const info = yield* engine.load({ model: CLASSIFIER });
      expect(info.name).toBe("darwin-mnist-mlp");
      const weights = defaultClassifier().weights;
      for (const i of [0, 5, 400, 1999]) {
        const result = yield* engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(i)) } });
        const logits = result.outputs.logits as Tensor;
        expect(logits.shape).toEqual([1, 10]);
        const ref = classifierForward(weights, digit(i));
        for (let o = 0; o < 10; o++)
          expect(Math.abs((logits.data[o] as number) - (ref[o] as number))).toBeLessThan(1e-4);
        expect(result.modelCid).toBe(info.modelCid);
        expect(result.commitment).toBe(
          inferenceCommitment(info.modelCid, { pixels: pixels(digit(i)) }, result.outputs),
        );
      }
      // Also by name once loaded.
      const byName = yield* engine.infer({ model: "darwin-mnist-mlp", inputs: { pixels: pixels(digit(0)) } });
      expect(byName.model).toBe(CLASSIFIER);
      yield* engine.close();
    }),
  );

  it.effect("commits to model, input and output: any change changes the commitment", () =>
    Effect.gen(function* () {
      const { engine } = yield* Effect.promise(() => engineWith());
      const a = yield* engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(1)) } });
      const again = yield* engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(1)) } });
      const b = yield* engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(2)) } });
      expect(again.commitment).toBe(a.commitment);
      expect(b.commitment).not.toBe(a.commitment);
      expect(a.commitment).toMatch(/^0x[0-9a-f]{64}$/);
      const otherModel = inferenceCommitment(lmManifest.model.cid, { pixels: pixels(digit(1)) }, a.outputs);
      expect(otherModel).not.toBe(a.commitment);
      yield* engine.close();
    }),
  );

  it.effect("batches same-shaped requests into one call with the same answers and commitments", () =>
    Effect.gen(function* () {
      const { engine, registry } = yield* Effect.promise(() => engineWith());
      const inputs = [3, 4, 5, 6, 7].map((i) => ({ pixels: pixels(digit(i)) }));
      inputs.push({ pixels: pixels([...digit(8), ...digit(9)], 2) });
      const batch = yield* engine.inferBatch({ model: CLASSIFIER }, inputs);
      expect(batch).toHaveLength(6);
      for (const [k, one] of inputs.entries()) {
        const single = yield* engine.infer({ model: CLASSIFIER, inputs: one });
        expect(Array.from(batch[k]?.outputs.logits?.data as Float32Array)).toEqual(
          Array.from(single.outputs.logits?.data as Float32Array),
        );
        expect(batch[k]?.commitment).toBe(single.commitment);
      }
      expect(batch[5]?.outputs.logits?.shape).toEqual([2, 10]);
      const label = "darwin-mnist-mlp@1.0.0";
      expect(
        yield* Effect.promise(() => readMetric(registry, "darwin_ai_inference_rows_total", { model: label })),
      ).toBe(14);
      // One batch call and six single calls answered; counts accrue per call and show on every read.
      const ok = { model: label, outcome: "ok" };
      expect(yield* Effect.promise(() => readMetric(registry, "darwin_ai_inferences_total", ok))).toBe(7);
      yield* engine.infer({ model: CLASSIFIER, inputs: inputs[0] as (typeof inputs)[number] });
      expect(yield* Effect.promise(() => readMetric(registry, "darwin_ai_inferences_total", ok))).toBe(8);
      expect(
        yield* Effect.promise(() => readMetric(registry, "darwin_ai_inference_rows_total", { model: label })),
      ).toBe(15);
      yield* engine.close();
    }),
  );

  it.effect("rejects a tampered byte with CidMismatch, for a single block and inside a chunked DAG", () =>
    Effect.gen(function* () {
      const { engine, source } = yield* Effect.promise(() => engineWith());
      const modelCid = lmManifest.model.cid;
      const original = source.blocks.get(modelCid) as Uint8Array;
      const tampered = original.slice();
      tampered[1000] = (tampered[1000] as number) ^ 1;
      source.blocks.set(modelCid, tampered);
      const exit = yield* Effect.exit(engine.load({ model: LM }));
      expect(failureTag(exit)).toBe("CidMismatch");

      // The same model chunked into 16 KiB raw leaves under dag-pb nodes, then one leaf tampered.
      const chunkedCid = yield* Effect.promise(() => source.put(original, { chunkSize: 16_384 }));
      const manifestCid = yield* Effect.promise(() =>
        source.put(
          new TextEncoder().encode(
            stableJson({ ...lmManifest, model: { ...lmManifest.model, cid: chunkedCid } }),
          ),
        ),
      );
      expect(chunkedCid.startsWith("bafybei")).toBe(true);
      const ok = yield* engine.infer({ model: manifestCid, inputs: { tokens: tokens("The node") } });
      expect(ok.outputs.logits?.shape).toEqual([1, 8, 256]);

      const engine2 = createInferenceEngine({}, { source });
      const leaf = [...source.blocks.entries()].find(
        ([cid, bytes]) =>
          cid.startsWith("bafkrei") && bytes.length === 16_384 && bytes[0] === original[16_384 * 3],
      );
      expect(leaf).toBeDefined();
      const [leafCid, leafBytes] = leaf as [string, Uint8Array];
      const bad = leafBytes.slice();
      bad[7] = (bad[7] as number) ^ 0x80;
      source.blocks.set(leafCid, bad);
      expect(failureTag(yield* Effect.exit(engine2.load({ model: manifestCid })))).toBe("CidMismatch");

      // The engine still serves everything else.
      const still = yield* engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(0)) } });
      expect(still.outputs.logits?.shape).toEqual([1, 10]);
      yield* engine.close();
      yield* engine2.close();
    }),
  );

  it.effect("answers malformed inputs with MalformedInput and keeps serving", () =>
    Effect.gen(function* () {
      const { engine, registry } = yield* Effect.promise(() => engineWith());
      const bad: Record<string, Tensor>[] = [
        { pixels: { dtype: "float32", shape: [1, 48], data: new Float32Array(48) } },
        { pixels: { dtype: "float32", shape: [49], data: new Float32Array(49) } },
        { pixels: { dtype: "int64", shape: [1, 49], data: new BigInt64Array(49) } },
        { pixels: { dtype: "float32", shape: [1, 49], data: new Float32Array(48) } },
        { image: pixels(digit(0)) },
        { pixels: pixels(digit(0)), extra: pixels(digit(0)) },
      ];
      for (const inputs of bad) {
        expect(failureTag(yield* Effect.exit(engine.infer({ model: CLASSIFIER, inputs })))).toBe(
          "MalformedInput",
        );
      }
      expect(
        failureTag(
          yield* Effect.exit(engine.infer({ model: LM, inputs: { tokens: tokens("x".repeat(33)) } })),
        ),
      ).toBe("MalformedInput");
      const outOfVocab: Tensor = { dtype: "int64", shape: [1, 2], data: BigInt64Array.of(65n, 256n) };
      expect(
        failureTag(yield* Effect.exit(engine.infer({ model: LM, inputs: { tokens: outOfVocab } }))),
      ).toBe("MalformedInput");
      const batchMismatch = yield* Effect.exit(
        engine.inferBatch({ model: CLASSIFIER }, [
          { pixels: pixels(digit(0)) },
          { pixels: { dtype: "float32", shape: [1, 7], data: new Float32Array(7) } },
        ]),
      );
      expect(failureTag(batchMismatch)).toBe("MalformedInput");
      const ok = yield* engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(0)) } });
      expect(ok.outputs.logits?.shape).toEqual([1, 10]);
      expect(
        yield* Effect.promise(() =>
          readMetric(registry, "darwin_ai_inferences_total", {
            model: "darwin-mnist-mlp@1.0.0",
            outcome: "MalformedInput",
          }),
        ),
      ).toBe(7);
      yield* engine.close();
    }),
  );

  it.effect("refuses requests whose answer would not fit in memory, before running them", () =>
    Effect.gen(function* () {
      const { engine } = yield* Effect.promise(() => engineWith({ maxOutputElements: 1_000_000 }));
      // 200 x 32 tokens would give 200 * 32 * 256 = 1.6 M logits.
      const big: Tensor = { dtype: "int64", shape: [200, 32], data: new BigInt64Array(200 * 32).fill(65n) };
      expect(failureTag(yield* Effect.exit(engine.infer({ model: LM, inputs: { tokens: big } })))).toBe(
        "MalformedInput",
      );
      const part: Tensor = { dtype: "int64", shape: [100, 32], data: new BigInt64Array(100 * 32).fill(65n) };
      expect(
        failureTag(
          yield* Effect.exit(engine.inferBatch({ model: LM }, [{ tokens: part }, { tokens: part }])),
        ),
      ).toBe("MalformedInput");
      const fits = yield* engine.inferBatch({ model: LM }, [{ tokens: part }]);
      expect(fits[0]?.outputs.logits?.shape).toEqual([100, 32, 256]);
      yield* engine.close();
    }),
  );

  it.effect("answers unknown models with UnknownModel and non-ONNX bytes with OrtFailure", () =>
    Effect.gen(function* () {
      const { engine, source } = yield* Effect.promise(() => engineWith());
      const absent = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
      expect(failureTag(yield* Effect.exit(engine.infer({ model: absent, inputs: {} })))).toBe(
        "UnknownModel",
      );
      expect(failureTag(yield* Effect.exit(engine.infer({ model: "no-such-model", inputs: {} })))).toBe(
        "UnknownModel",
      );
      expect(failureTag(yield* Effect.exit(engine.load({ model: LM, stage: "block9" })))).toBe(
        "UnknownModel",
      );
      const notManifest = yield* Effect.promise(() => source.put(new TextEncoder().encode('{"hello": 1}')));
      expect(failureTag(yield* Effect.exit(engine.load({ model: notManifest })))).toBe("UnknownModel");
      const junk = yield* Effect.promise(() =>
        source.put(new TextEncoder().encode("this is not an onnx file")),
      );
      const manifestCid = yield* Effect.promise(() =>
        source.put(
          new TextEncoder().encode(stableJson({ ...lmManifest, model: { ...lmManifest.model, cid: junk } })),
        ),
      );
      expect(failureTag(yield* Effect.exit(engine.load({ model: manifestCid })))).toBe("OrtFailure");
      yield* engine.close();
    }),
  );

  it.live("gives up with Timeout when the source never answers", () =>
    Effect.gen(function* () {
      const engine = createInferenceEngine(
        { loadTimeoutMs: 100 },
        { source: { describe: "black hole", getBlock: () => Effect.never } },
      );
      expect(failureTag(yield* Effect.exit(engine.load({ model: CLASSIFIER })))).toBe("Timeout");
      yield* engine.close();
    }),
  );

  it.effect("answers 100 concurrent requests, loading the model once", () =>
    Effect.gen(function* () {
      const { engine, registry } = yield* Effect.promise(() => engineWith());
      const results = yield* Effect.forEach(
        Array.from({ length: 100 }, (_, i) => i),
        (i) => engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(i)) } }),
        { concurrency: "unbounded" },
      );
      expect(results).toHaveLength(100);
      expect(new Set(results.map((r) => r.commitment)).size).toBeGreaterThan(90);
      expect(
        yield* Effect.promise(() => readMetric(registry, "darwin_ai_model_loads_total", { outcome: "ok" })),
      ).toBe(1);
      yield* engine.close();
    }),
  );

  it.effect("keeps at most cacheSize sessions and reloads evicted ones transparently", () =>
    Effect.gen(function* () {
      const { engine } = yield* Effect.promise(() => engineWith({ cacheSize: 2 }));
      const h = yield* engine.infer({
        model: LM,
        stage: "embedding",
        inputs: { tokens: tokens("The node checks") },
      });
      let carried = h.outputs.h0 as Tensor;
      for (const stage of ["block0", "block1"]) {
        const r = yield* engine.infer({
          model: LM,
          stage,
          inputs: { [`h${stage.at(-1) === "0" ? 0 : 1}`]: carried },
        });
        carried = r.outputs[`h${stage.at(-1) === "0" ? 1 : 2}`] as Tensor;
      }
      const headOut = yield* engine.infer({ model: LM, stage: "head", inputs: { h2: carried } });
      expect(engine.loaded().length).toBeLessThanOrEqual(2);
      const whole = yield* engine.infer({ model: LM, inputs: { tokens: tokens("The node checks") } });
      const a = headOut.outputs.logits?.data as Float32Array;
      const b = whole.outputs.logits?.data as Float32Array;
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
      expect(engine.loaded().map((m) => m.label)).toContain("darwin-tiny-lm@1.0.0");
      yield* engine.close();
    }),
  );

  it.effect("exposes per-model latency histograms", () =>
    Effect.gen(function* () {
      const { engine, registry } = yield* Effect.promise(() => engineWith());
      for (let i = 0; i < 5; i++)
        yield* engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(i)) } });
      const text = yield* Effect.promise(() => registry.metrics());
      expect(text).toMatch(
        /darwin_ai_inference_seconds_count\{model="darwin-mnist-mlp@1.0.0",kind="single"\} 5/,
      );
      yield* engine.close();
    }),
  );
});

describe("inference commitment encoding", () => {
  // hash-wasm's BLAKE3, a separate implementation from the native addon the engine hashes with.
  const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
  const referenceBlake3 = async (bytes: Uint8Array): Promise<string> =>
    (await import("hash-wasm")).blake3(bytes);

  it("uses BLAKE3: the official test vectors, and the native addon where it has a build", async () => {
    const { blake3Hex, commitmentHasher } = await import("../src/commitment.ts");
    // From the BLAKE3 reference test_vectors.json: input byte i is i mod 251.
    const vector = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);
    expect(blake3Hex()).toBe("0xaf1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
    expect(blake3Hex(vector(1))).toBe("0x2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213");
    expect(blake3Hex(vector(1024))).toBe(
      "0x42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7",
    );
    // Split across calls: the streaming path must equal one call.
    const big = vector(102_400);
    expect(blake3Hex(big.subarray(0, 7), big.subarray(7, 70_000), big.subarray(70_000))).toBe(blake3Hex(big));
    expect(blake3Hex(big)).toBe(`0x${await referenceBlake3(big)}`);
    const prebuilt = ["linux-x64", "linux-arm64", "darwin-arm64", "darwin-x64", "win32-x64"];
    if (prebuilt.includes(`${process.platform}-${process.arch}`)) expect(commitmentHasher).toBe("native");
  });

  it("gives the same commitments with the WebAssembly fallback as with the native addon", async () => {
    const { execFileSync } = await import("node:child_process");
    const script = [
      'import { inferenceCommitment, commitmentHasher } from "./src/commitment.ts";',
      'const cid = "bafkreicnh2jkaq2yby7yjy3btqoh2jrx42mthv6rdfey6f2t7lgl5wqyqi";',
      "const out = [commitmentHasher];",
      "for (const n of [3, 5000, 40000]) {",
      "  const x = { dtype: 'float32', shape: [n], data: Float32Array.from({ length: n }, (_, i) => i / 3) };",
      "  out.push(inferenceCommitment(cid, { x }, { y: x }));",
      "}",
      "process.stdout.write(JSON.stringify(out));",
    ].join("\n");
    const run = (hasher: string): string[] =>
      JSON.parse(
        execFileSync(process.execPath, ["--input-type=module", "-e", script], {
          cwd: new URL("..", import.meta.url).pathname,
          env: { ...process.env, DARWIN_COMMITMENT_HASHER: hasher },
          encoding: "utf8",
        }),
      );
    const wasm = run("wasm");
    const native = run("native");
    expect(wasm[0]).toBe("wasm");
    expect(wasm.slice(1)).toEqual(native.slice(1));
  });

  it("hashes exactly the documented preimage", async () => {
    const { commitmentPreimage } = await import("../src/commitment.ts");
    const cid = "bafkreicnh2jkaq2yby7yjy3btqoh2jrx42mthv6rdfey6f2t7lgl5wqyqi";
    const input: Tensor = { dtype: "int64", shape: [1, 2], data: BigInt64Array.of(1n, -2n) };
    const output: Tensor = { dtype: "float32", shape: [2], data: Float32Array.of(1.5, -0.25) };
    const pre = commitmentPreimage(cid, { x: input }, { y: output });
    const text = new TextDecoder().decode(pre.subarray(0, 30));
    expect(text).toBe("darwin-inference-commitment/v2");
    expect(pre[30]).toBe(0);
    const tail = Buffer.from(pre.subarray(pre.length - 8)).toString("hex");
    expect(tail).toBe("0000c03f000080be"); // 1.5 and -0.25 as float32 little-endian
    expect(inferenceCommitment(cid, { x: input }, { y: output })).toBe(`0x${sha256Hex(pre)}`);
    // 30 + 1 + 4 + 36 (cid) + 4 + (4+1+1+4+16+16) + 4 + (4+1+1+4+8+8)
    expect(pre.length).toBe(30 + 1 + 4 + 36 + 4 + 42 + 4 + 26);
  });

  it("commits small tensors inline and large ones (4096 bytes and up) by their BLAKE3 digest", async () => {
    const wasmBlake3 = await (await import("hash-wasm")).createBLAKE3();
    const blake3 = (data: Uint8Array) => wasmBlake3.init().update(data).digest("binary");
    const { commitmentPreimage } = await import("../src/commitment.ts");
    const cid = "bafkreicnh2jkaq2yby7yjy3btqoh2jrx42mthv6rdfey6f2t7lgl5wqyqi";
    const cidBytes = parseCid(cid).bytes;
    const utf8 = new TextEncoder();
    const u32 = (v: number) => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, v, false);
      return b;
    };
    const u64 = (v: number) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt(v), false);
      return b;
    };
    // The documented encoding, written out independently of the engine's writer.
    const encodeGroup = (group: Record<string, Tensor>): Uint8Array[] => {
      const names = Object.keys(group).sort();
      const parts: Uint8Array[] = [u32(names.length)];
      for (const name of names) {
        const t = group[name] as Tensor;
        const data = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
        const nameBytes = utf8.encode(name);
        parts.push(
          u32(nameBytes.length),
          nameBytes,
          Uint8Array.of(t.dtype === "float32" ? 1 : 7),
          u32(t.shape.length),
        );
        for (const d of t.shape) parts.push(u64(d));
        parts.push(data.length < 4096 ? data : blake3(data));
      }
      return parts;
    };
    const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));
    for (const n of [1, 100, 1023, 1024, 2047, 2048, 5000, 70_000]) {
      const a: Tensor = {
        dtype: "float32",
        shape: [1, n],
        data: Float32Array.from({ length: n }, (_, i) => i / 7),
      };
      // A view into a larger buffer: only its own bytes may be hashed.
      const backing = new BigInt64Array(n + 4).fill(9n);
      const b: Tensor = { dtype: "int64", shape: [n], data: backing.subarray(2, n + 2) };
      const many: Tensor = { dtype: "float32", shape: Array(40).fill(1), data: Float32Array.of(n) };
      const inputs = { zeta: a, alpha: b, ünï: many };
      const outputs = { y: a };
      const expected = concat([
        utf8.encode("darwin-inference-commitment/v2"),
        Uint8Array.of(0),
        u32(cidBytes.length),
        cidBytes,
        ...encodeGroup(inputs),
        ...encodeGroup(outputs),
      ]);
      expect(Buffer.from(commitmentPreimage(cid, inputs, outputs)).equals(expected)).toBe(true);
      expect(inferenceCommitment(cid, inputs, outputs)).toBe(`0x${sha256Hex(expected)}`);
      // Any one value changed changes the commitment, inline or digested.
      const bumped = (b.data as BigInt64Array).slice();
      bumped[n - 1] = (bumped[n - 1] as bigint) + 1n;
      const changed = { ...inputs, alpha: { ...b, data: bumped } };
      expect(inferenceCommitment(cid, changed, outputs)).not.toBe(inferenceCommitment(cid, inputs, outputs));
    }
  });
});

describe("inference commitment inputs", () => {
  const cid = "bafkreicnh2jkaq2yby7yjy3btqoh2jrx42mthv6rdfey6f2t7lgl5wqyqi";

  it("commits a view into a shared or larger buffer as it commits a copy of the view", async () => {
    const { commitmentPreimage } = await import("../src/commitment.ts");
    // Below, at and above the size where values become a digest; bytes before and after the view
    // hold other data, which must not enter the commitment.
    for (const n of [0, 3, 1023, 1024, 5000]) {
      for (const make of [(b: number) => new SharedArrayBuffer(b), (b: number) => new ArrayBuffer(b)]) {
        const buffer = make(4 * n + 64);
        new Uint8Array(buffer).fill(0xa5);
        const view = new Float32Array(buffer, 16, n);
        for (let i = 0; i < n; i++) view[i] = i / 7;
        const copy = view.slice();
        const int64 = new BigInt64Array(make(8 * n + 64), 24, n).fill(-3n);
        const asView = {
          x: { dtype: "float32", shape: [1, n], data: view },
          k: { dtype: "int64", shape: [n], data: int64 },
        } as const;
        const asCopy = {
          x: { dtype: "float32", shape: [1, n], data: copy },
          k: { dtype: "int64", shape: [n], data: int64.slice() },
        } as const;
        const out = { y: { dtype: "float32", shape: [n], data: view } } as const;
        const outCopy = { y: { dtype: "float32", shape: [n], data: copy } } as const;
        expect(inferenceCommitment(cid, asView, out), `n ${n}`).toBe(
          inferenceCommitment(cid, asCopy, outCopy),
        );
        expect(
          Buffer.from(commitmentPreimage(cid, asView, out)).equals(
            Buffer.from(commitmentPreimage(cid, asCopy, outCopy)),
          ),
        ).toBe(true);
      }
    }
  });

  it("refuses tensors whose data do not match their dtype and shape (which would collide)", async () => {
    const { createBLAKE3 } = await import("hash-wasm");
    // 4096 bytes under shape [8] would be written as their 32-byte digest: the same preimage as a
    // well-formed shape-[8] tensor whose values are those digest bytes.
    const big = Float32Array.from({ length: 1024 }, (_, i) => i);
    const digest = (await createBLAKE3()).init().update(new Uint8Array(big.buffer)).digest("binary");
    const forged = { y: { dtype: "float32", shape: [8], data: big } } as const;
    const honest = {
      y: { dtype: "float32", shape: [8], data: new Float32Array(digest.slice().buffer) },
    } as const;
    expect(() => inferenceCommitment(cid, {}, honest)).not.toThrow();
    expect(() => inferenceCommitment(cid, {}, forged)).toThrow(/1024 values for shape \[8\]/);
    const bad: Tensor[] = [
      { dtype: "float32", shape: [2], data: Float32Array.of(1) },
      { dtype: "int64", shape: [2], data: Float32Array.of(1, 2) },
      { dtype: "float32", shape: [1], data: BigInt64Array.of(1n) },
      { dtype: "float32", shape: [1.5, 2], data: Float32Array.of(1, 2, 3) },
      { dtype: "float32", shape: [-1], data: Float32Array.of() },
    ];
    for (const t of bad) {
      expect(() => inferenceCommitment(cid, { x: t }, {})).toThrow(
        expect.objectContaining({ _tag: "MalformedInput" }),
      );
    }
  });

  it("refuses names that are not well-formed Unicode (lone surrogates share one UTF-8 encoding)", () => {
    const t: Tensor = { dtype: "float32", shape: [1], data: Float32Array.of(1) };
    for (const name of ["a\uD800", "a\uDC00", "\uDFFFz"])
      expect(() => inferenceCommitment(cid, { [name]: t }, {})).toThrow(/not well-formed/);
    // A surrogate pair is a character like any other (4 bytes of UTF-8).
    expect(inferenceCommitment(cid, { "a\u{1F600}": t }, {})).toMatch(/^0x[0-9a-f]{64}$/);
  });
});

describe("InferenceEngine as an Effect service", () => {
  it.effect("is provided by its layer over a ModelSource layer and closes with the scope", () =>
    Effect.gen(function* () {
      const source = yield* Effect.promise(() => sourceWithModels());
      const layer = inferenceEngineLayer({ cacheSize: 2 }).pipe(
        Layer.provide(memoryModelSourceLayer(source)),
      );
      const result = yield* Effect.gen(function* () {
        const engine = yield* InferenceEngine;
        return yield* engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(0)) } });
      }).pipe(Effect.provide(layer));
      expect(result.outputs.logits?.shape).toEqual([1, 10]);
    }),
  );
});

describe("InferenceEngine failures at run time", () => {
  it.live("gives up on a run past its deadline with Timeout and keeps serving", () =>
    Effect.gen(function* () {
      const source = yield* Effect.promise(() => sourceWithModels());
      const { manifestCid, input: x } = yield* Effect.promise(() => putSlowModel(source));
      const engine = createInferenceEngine({}, { source });
      yield* engine.load({ model: manifestCid });
      const exit = yield* Effect.exit(engine.infer({ model: manifestCid, inputs: { x }, timeoutMs: 1 }));
      expect(failureTag(exit)).toBe("Timeout");
      const ok = yield* engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(0)) } });
      expect(ok.outputs.logits?.shape).toEqual([1, 10]);
      yield* engine.close();
    }),
  );

  it.effect("turns an ORT error during a run into OrtFailure", () =>
    Effect.gen(function* () {
      const source = yield* Effect.promise(() => sourceWithModels());
      // A manifest that forgets the context limit lets a 40-byte sequence reach ORT, which refuses it.
      const loose = { ...lmManifest, inputs: lmManifest.inputs.map(({ maxDims: _m, ...spec }) => spec) };
      const manifestCid = yield* Effect.promise(() =>
        source.put(new TextEncoder().encode(stableJson(loose))),
      );
      const engine = createInferenceEngine({}, { source });
      const exit = yield* Effect.exit(
        engine.infer({ model: manifestCid, inputs: { tokens: tokens("y".repeat(40)) } }),
      );
      expect(failureTag(exit)).toBe("OrtFailure");
      const ok = yield* engine.infer({ model: manifestCid, inputs: { tokens: tokens("y".repeat(32)) } });
      expect(ok.outputs.logits?.shape).toEqual([1, 32, 256]);
      yield* engine.close();
    }),
  );
});

describe("InferenceEngine on the worker-pool runner", () => {
  it.live("gives the in-process answers, and keeps answering while a long run goes on", () =>
    Effect.gen(function* () {
      const source = yield* Effect.promise(() => sourceWithModels());
      const local = createInferenceEngine({}, { source });
      const pooled = createInferenceEngine({}, { source, runner: workerPoolRunner({ workers: 2 }) });
      for (const [model, inputs] of [
        [CLASSIFIER, { pixels: pixels([...digit(3), ...digit(4)], 2) }],
        [LM, { tokens: tokens("The block names the one before") }],
      ] as const) {
        const a = yield* local.infer({ model, inputs });
        const b = yield* pooled.infer({ model, inputs });
        expect(b.commitment).toBe(a.commitment);
      }
      const batch = yield* pooled.inferBatch({ model: CLASSIFIER }, [
        { pixels: pixels(digit(5)) },
        { pixels: pixels(digit(6)) },
      ]);
      expect(batch.map((r) => r.outputs.logits?.shape)).toEqual([
        [1, 10],
        [1, 10],
      ]);

      const { manifestCid } = yield* Effect.promise(() => putSlowModel(source));
      // 128 rows: ~3 G multiply-adds, long enough that the other worker answers first even on a busy machine.
      const input: Tensor = {
        dtype: "float32",
        shape: [128, 512],
        data: new Float32Array(128 * 512).fill(1),
      };
      yield* pooled.load({ model: manifestCid });
      const finished: string[] = [];
      const slow = Effect.runPromise(pooled.infer({ model: manifestCid, inputs: { x: input } })).then(() => {
        finished.push("slow");
      });
      yield* Effect.sleep("5 millis");
      yield* pooled.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(7)) } });
      finished.push("classifier");
      yield* Effect.promise(() => slow);
      expect(finished).toEqual(["classifier", "slow"]);

      // Off the main thread, a deadline fires during the run instead of after it.
      const late = yield* Effect.exit(
        pooled.infer({ model: manifestCid, inputs: { x: input }, timeoutMs: 1 }),
      );
      expect(failureTag(late)).toBe("Timeout");
      yield* local.close();
      yield* pooled.close();
    }),
  );
});

describe("sessions evicted during a run", () => {
  it.live("are released after their last run, or by close, exactly once", () =>
    Effect.gen(function* () {
      const source = yield* Effect.promise(() => sourceWithModels());
      const inner = inProcessRunner({ nativeBinding: false });
      // Runs wait for `open()` of the gate; releases are counted per opened session.
      let gate: () => void = () => {};
      let gated = false;
      let started: () => void = () => {};
      const releases: number[] = [];
      const gatedRunner: typeof inner = {
        describe: "gated in-process runner",
        close: () => inner.close(),
        async open(bytes, opts) {
          const s = await inner.open(bytes, opts);
          const index = releases.push(0) - 1;
          return {
            run: async (inputs) => {
              if (gated) {
                gated = false;
                const opened = new Promise<void>((resolve) => (gate = resolve));
                started();
                await opened;
              }
              return s.run(inputs);
            },
            release: () => {
              releases[index] = (releases[index] as number) + 1;
              return s.release();
            },
          };
        },
      };
      for (const closeFirst of [false, true]) {
        releases.length = 0;
        const engine = createInferenceEngine({ cacheSize: 1 }, { source, runner: gatedRunner });
        gated = true;
        const running = new Promise<void>((resolve) => (started = resolve));
        const held = Effect.runPromiseExit(
          engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(1)) } }),
        );
        yield* Effect.promise(() => running);
        // Loading the LM evicts the classifier while its run is held.
        yield* engine.infer({ model: LM, inputs: { tokens: tokens("held") } });
        expect(engine.loaded().map((m) => m.label)).toEqual(["darwin-tiny-lm@1.0.0"]);
        expect(releases).toEqual([0, 0]);
        if (closeFirst) {
          yield* engine.close();
          expect(releases).toEqual([1, 1]);
          gate();
          yield* Effect.promise(() => held);
        } else {
          gate();
          expect(Exit.isSuccess(yield* Effect.promise(() => held))).toBe(true);
          expect(releases).toEqual([1, 0]);
          yield* engine.close();
        }
        expect(releases).toEqual([1, 1]);
      }
    }),
  );
});
