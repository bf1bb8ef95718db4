// The in-process runner's native path and dynamic batching: same answers and commitments as one
// request at a time, every request answered (or refused) on its own.
import { classifierTestSet, onnxBuilder, POOLED_PIXELS, stableJson } from "@darwin/models";
import { createRegistry, readMetric } from "@darwin/observability";
import { describe, expect, it } from "@effect/vitest";
import { Effect, Exit } from "effect";
import { inferenceCommitment } from "../src/commitment.ts";
import { createInferenceEngine, type InferenceEngineShape, type InferResult } from "../src/engine.ts";
import { inProcessRunner, workerPoolRunner } from "../src/runner.ts";
import type { NamedTensors, Tensor } from "../src/tensor.ts";
import { CLASSIFIER, LM, lmManifest, pixels, putSlowModel, sourceWithModels, tokens } from "./fixtures.ts";

const test = classifierTestSet();
const digit = (i: number) => test.inputs.slice(i * POOLED_PIXELS, (i + 1) * POOLED_PIXELS);
const LABEL = "darwin-mnist-mlp@1.0.0";

function failureTag<A, E extends { _tag: string }>(exit: Exit.Exit<A, E>): string | undefined {
  if (Exit.isSuccess(exit)) return undefined;
  const found = exit.cause.reasons.find((r) => r._tag === "Fail");
  return found && "error" in found ? (found.error as { _tag: string })._tag : "defect";
}

const valuesOf = (r: InferResult, name: string): number[] =>
  Array.from(r.outputs[name]?.data as Float32Array);

/** The same requests one at a time on an engine without batching: the answers batching must give. */
function* oneByOne(engine: InferenceEngineShape, model: string, inputs: readonly NamedTensors[]) {
  const results: InferResult[] = [];
  for (const i of inputs) results.push(yield* engine.infer({ model, inputs: i }));
  return results;
}

const joined = (registry: ReturnType<typeof createRegistry>, model = LABEL) =>
  Effect.promise(async () => ({
    runs: (await readMetric(registry, "darwin_ai_dynamic_batches_total", { model })) ?? 0,
    requests: (await readMetric(registry, "darwin_ai_dynamic_batched_requests_total", { model })) ?? 0,
  }));

describe("in-process runner", () => {
  it.effect("gives, through the native binding, exactly the public API's answers and commitments", () =>
    Effect.gen(function* () {
      // The comparison means something only if the native binding was found (onnxruntime-node 1.30).
      expect(inProcessRunner().describe).toBe("in-process");
      const source = yield* Effect.promise(() => sourceWithModels());
      const native = createInferenceEngine({}, { source });
      const publicApi = createInferenceEngine(
        {},
        { source, runner: inProcessRunner({ nativeBinding: false }) },
      );
      const requests: [string, NamedTensors][] = [
        [CLASSIFIER, { pixels: pixels(digit(0)) }],
        [CLASSIFIER, { pixels: pixels([...digit(1), ...digit(2), ...digit(3)], 3) }],
        [LM, { tokens: tokens("The chain keeps nodes honest") }],
      ];
      for (const [model, inputs] of requests) {
        const a = yield* native.infer({ model, inputs });
        const b = yield* publicApi.infer({ model, inputs });
        expect(a.commitment).toBe(b.commitment);
        expect(a.outputs.logits?.shape).toEqual(b.outputs.logits?.shape);
      }
      yield* native.close();
      yield* publicApi.close();
    }),
  );
});

describe("dynamic batching", () => {
  it.effect("joins concurrent requests into one run with the unbatched answers and commitments", () =>
    Effect.gen(function* () {
      const source = yield* Effect.promise(() => sourceWithModels());
      const registry = createRegistry({ defaultMetrics: false });
      const plain = createInferenceEngine({}, { source });
      const batched = createInferenceEngine({ dynamicBatching: {} }, { source, registry });
      const inputs: NamedTensors[] = Array.from({ length: 12 }, (_, i) => ({ pixels: pixels(digit(i)) }));
      inputs.push({ pixels: pixels([...digit(20), ...digit(21)], 2) });
      yield* batched.load({ model: CLASSIFIER });
      const together = yield* Effect.forEach(inputs, (i) => batched.infer({ model: CLASSIFIER, inputs: i }), {
        concurrency: "unbounded",
      });
      const alone = yield* oneByOne(plain, CLASSIFIER, inputs);
      for (let k = 0; k < inputs.length; k++) {
        expect(together[k]?.commitment).toBe(alone[k]?.commitment);
        expect(valuesOf(together[k] as InferResult, "logits")).toEqual(
          valuesOf(alone[k] as InferResult, "logits"),
        );
        expect(together[k]?.outputs.logits?.shape).toEqual(alone[k]?.outputs.logits?.shape);
      }
      expect(yield* joined(registry)).toEqual({ runs: 1, requests: 13 });
      const ok = { model: LABEL, outcome: "ok" };
      expect(yield* Effect.promise(() => readMetric(registry, "darwin_ai_inferences_total", ok))).toBe(13);
      expect(
        yield* Effect.promise(() => readMetric(registry, "darwin_ai_inference_rows_total", { model: LABEL })),
      ).toBe(14);
      // A lone request still runs (after the current turn) and gets the same answer.
      const lone = yield* batched.infer({ model: CLASSIFIER, inputs: inputs[0] as NamedTensors });
      expect(lone.commitment).toBe(alone[0]?.commitment);
      expect(yield* joined(registry)).toEqual({ runs: 1, requests: 13 });
      yield* plain.close();
      yield* batched.close();
    }),
  );

  it.effect("splits at maxRows and answers 100 concurrent requests", () =>
    Effect.gen(function* () {
      const source = yield* Effect.promise(() => sourceWithModels());
      const registry = createRegistry({ defaultMetrics: false });
      const engine = createInferenceEngine({ dynamicBatching: { maxRows: 16 } }, { source, registry });
      const inputs = Array.from({ length: 100 }, (_, i) => ({ pixels: pixels(digit(i)) }));
      // The first request loads the model; the rest find it open and queue.
      const results = yield* Effect.forEach(inputs, (i) => engine.infer({ model: CLASSIFIER, inputs: i }), {
        concurrency: "unbounded",
      });
      expect(results).toHaveLength(100);
      for (const [k, r] of results.entries())
        expect(r.commitment).toBe(inferenceCommitment(r.modelCid, inputs[k] as NamedTensors, r.outputs));
      const { runs, requests } = yield* joined(registry);
      expect(runs).toBeGreaterThanOrEqual(Math.ceil(requests / 16));
      expect(requests).toBeGreaterThanOrEqual(90);
      yield* engine.close();
    }),
  );

  it.effect("keeps a malformed request and an ORT failure to the requests that caused them", () =>
    Effect.gen(function* () {
      const source = yield* Effect.promise(() => sourceWithModels());
      // A manifest without the context limit lets 40-byte sequences reach ORT, which refuses them.
      const loose = { ...lmManifest, inputs: lmManifest.inputs.map(({ maxDims: _m, ...spec }) => spec) };
      const looseLm = yield* Effect.promise(() => source.put(new TextEncoder().encode(stableJson(loose))));
      const registry = createRegistry({ defaultMetrics: false });
      const plain = createInferenceEngine({}, { source });
      const engine = createInferenceEngine({ dynamicBatching: {} }, { source, registry });
      yield* engine.load({ model: looseLm });
      yield* engine.load({ model: CLASSIFIER });
      const texts = [
        "The node checks",
        "y".repeat(40),
        "Blocks carry answers",
        "z".repeat(40),
        "The node checks",
      ];
      const lmExits = Effect.forEach(
        texts,
        (t) => Effect.exit(engine.infer({ model: looseLm, inputs: { tokens: tokens(t) } })),
        { concurrency: "unbounded" },
      );
      const badPixels: Tensor = { dtype: "float32", shape: [1, 7], data: new Float32Array(7) };
      const classifierExits = Effect.forEach(
        [pixels(digit(0)), badPixels, pixels(digit(1)), pixels(digit(2), 1)],
        (p) => Effect.exit(engine.infer({ model: CLASSIFIER, inputs: { pixels: p } })),
        { concurrency: "unbounded" },
      );
      const [lm, classifier] = yield* Effect.all([lmExits, classifierExits], { concurrency: "unbounded" });
      expect(lm.map(failureTag)).toEqual([undefined, "OrtFailure", undefined, "OrtFailure", undefined]);
      expect(classifier.map(failureTag)).toEqual([undefined, "MalformedInput", undefined, undefined]);
      // The answers that did come are the unbatched ones.
      for (const [k, t] of texts.entries()) {
        const exit = lm[k] as Exit.Exit<InferResult, unknown>;
        if (Exit.isFailure(exit)) continue;
        const alone = yield* plain.infer({ model: looseLm, inputs: { tokens: tokens(t) } });
        expect(exit.value.commitment).toBe(alone.commitment);
      }
      // Requests of other lengths ran apart: the two 15-byte ones joined, the 40-byte pair was retried alone.
      const lmLabel = "darwin-tiny-lm@1.0.0";
      expect(yield* joined(registry, lmLabel)).toEqual({ runs: 1, requests: 2 });
      const refused = { model: lmLabel, outcome: "OrtFailure" };
      expect(yield* Effect.promise(() => readMetric(registry, "darwin_ai_inferences_total", refused))).toBe(
        2,
      );
      yield* plain.close();
      yield* engine.close();
    }),
  );

  it.live("holds a batch open for maxWaitMs, and gives each request its own deadline", () =>
    Effect.gen(function* () {
      const source = yield* Effect.promise(() => sourceWithModels());
      const registry = createRegistry({ defaultMetrics: false });
      const engine = createInferenceEngine({ dynamicBatching: { maxWaitMs: 200 } }, { source, registry });
      yield* engine.load({ model: CLASSIFIER });
      // Requests started on different turns of the event loop still share the run.
      const first = Effect.runPromise(
        engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(0)) } }),
      );
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)));
      const second = Effect.runPromise(
        engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(1)) } }),
      );
      const [a, b] = yield* Effect.promise(() => Promise.all([first, second]));
      expect([a.outputs.logits?.shape, b.outputs.logits?.shape]).toEqual([
        [1, 10],
        [1, 10],
      ]);
      expect(yield* joined(registry)).toEqual({ runs: 1, requests: 2 });

      // A request whose deadline is shorter than the wait is answered Timeout; its neighbour is not.
      const { manifestCid, input } = yield* Effect.promise(() => putSlowModel(source));
      yield* engine.load({ model: manifestCid });
      const row: Tensor = { dtype: "float32", shape: [1, 512], data: input.data.subarray(0, 512) };
      const [late, onTime] = yield* Effect.all(
        [
          Effect.exit(engine.infer({ model: manifestCid, inputs: { x: row }, timeoutMs: 1 })),
          Effect.exit(engine.infer({ model: manifestCid, inputs: { x: row } })),
        ],
        { concurrency: "unbounded" },
      );
      expect([failureTag(late), failureTag(onTime)]).toEqual(["Timeout", undefined]);

      // Closing the engine answers whatever still waits.
      const waiting = Effect.runPromiseExit(
        engine.infer({ model: CLASSIFIER, inputs: { pixels: pixels(digit(2)) } }),
      );
      yield* engine.close();
      expect(failureTag(yield* Effect.promise(() => waiting))).toBe("OrtFailure");
    }),
  );

  it.live("works on the worker-pool runner with the in-process answers", () =>
    Effect.gen(function* () {
      const source = yield* Effect.promise(() => sourceWithModels());
      const registry = createRegistry({ defaultMetrics: false });
      const plain = createInferenceEngine({}, { source });
      const pooled = createInferenceEngine(
        { dynamicBatching: { maxRows: 8 } },
        { source, registry, runner: workerPoolRunner({ workers: 1 }) },
      );
      yield* pooled.load({ model: LM });
      const texts = ["The block", "names the", "one before", "it, and a", "node signs"];
      const inputs = texts.map((t) => ({ tokens: tokens(t) }));
      const together = yield* Effect.forEach(inputs, (i) => pooled.infer({ model: LM, inputs: i }), {
        concurrency: "unbounded",
      });
      const alone = yield* oneByOne(plain, LM, inputs);
      expect(together.map((r) => r.commitment)).toEqual(alone.map((r) => r.commitment));
      expect((yield* joined(registry, "darwin-tiny-lm@1.0.0")).runs).toBeGreaterThanOrEqual(1);
      yield* plain.close();
      yield* pooled.close();
    }),
  );
});

describe("dynamic batching on the worker pool", () => {
  it.live("answers a member Timeout when its deadline passes during the joined run", () =>
    Effect.gen(function* () {
      const source = yield* Effect.promise(() => sourceWithModels());
      const { manifestCid } = yield* Effect.promise(() => putSlowModel(source));
      const rows = 256;
      const input: Tensor = {
        dtype: "float32",
        shape: [rows, 512],
        data: new Float32Array(rows * 512).fill(1),
      };
      // Tells whether a pool run is under way when the late answer comes.
      let running = 0;
      const inner = workerPoolRunner({ workers: 1 });
      const watching: typeof inner = {
        describe: inner.describe,
        close: () => inner.close(),
        async open(bytes, opts) {
          const s = await inner.open(bytes, opts);
          return {
            run: (i) => {
              running++;
              return s.run(i).finally(() => running--);
            },
            release: () => s.release(),
          };
        },
      };
      const engine = createInferenceEngine(
        { dynamicBatching: { maxRows: 2 * rows } },
        { source, runner: watching },
      );
      yield* engine.load({ model: manifestCid });
      let runningWhenLate = -1;
      const late = Effect.runPromiseExit(
        engine.infer({ model: manifestCid, inputs: { x: input }, timeoutMs: 20 }),
      ).then((exit) => {
        runningWhenLate = running;
        return exit;
      });
      const onTime = Effect.runPromiseExit(engine.infer({ model: manifestCid, inputs: { x: input } }));
      const [lateExit, onTimeExit] = yield* Effect.promise(() => Promise.all([late, onTime]));
      expect([failureTag(lateExit), failureTag(onTimeExit)]).toEqual(["Timeout", undefined]);
      // Answered while the run (both requests joined: 512 rows through 100 matrix products) still went on.
      expect(runningWhenLate).toBe(1);
      yield* engine.close();
    }),
  );
});

describe("dynamic batching of a model whose batch axis does not map rows to rows", () => {
  it.effect("notices the joined answer has the wrong rows and answers each request alone", () =>
    Effect.gen(function* () {
      const source = yield* Effect.promise(() => sourceWithModels());
      // Sums over every axis: one row out whatever comes in, though the manifest claims `batch` rows.
      const { encodeModel, node, valueInfo } = onnxBuilder;
      const onnx = encodeModel(
        {
          name: "sum-all",
          nodes: [node("ReduceSum", ["x"], ["y"], "sum", { keepdims: 1 })],
          initializers: [],
          inputs: [valueInfo("x", "float32", ["batch", 4])],
          outputs: [valueInfo("y", "float32", [1, 1])],
        },
        { version: "0.0.1" },
      );
      const cid = yield* Effect.promise(() => source.put(onnx));
      const manifest = {
        ...lmManifest,
        name: "sum-all",
        task: "classification",
        inputs: [{ name: "x", dtype: "float32", shape: ["batch", 4] }],
        outputs: [{ name: "y", dtype: "float32", shape: ["batch", 1] }],
        model: { file: "sum.onnx", cid, bytes: onnx.length },
        stages: [],
      };
      const model = yield* Effect.promise(() => source.put(new TextEncoder().encode(stableJson(manifest))));
      const registry = createRegistry({ defaultMetrics: false });
      // Counts the ORT runs the engine makes, whichever way it calls them.
      let ortRuns = 0;
      const inner = inProcessRunner();
      const counting: typeof inner = {
        describe: inner.describe,
        close: () => inner.close(),
        async open(bytes, opts) {
          const s = await inner.open(bytes, opts);
          const runSync = s.runSync;
          return {
            run: (i) => {
              ortRuns++;
              return s.run(i);
            },
            ...(runSync
              ? {
                  runSync: (i: NamedTensors) => {
                    ortRuns++;
                    return runSync(i);
                  },
                }
              : {}),
            release: () => s.release(),
          };
        },
      };
      const engine = createInferenceEngine({ dynamicBatching: {} }, { source, registry, runner: counting });
      yield* engine.load({ model });
      const rows = [1, 2, 3].map(
        (k): NamedTensors => ({
          x: { dtype: "float32", shape: [1, 4], data: new Float32Array(4).fill(k) },
        }),
      );
      const round = () =>
        Effect.forEach(rows, (inputs) => engine.infer({ model, inputs }), { concurrency: "unbounded" });
      const results = yield* round();
      expect(results.map((r) => Array.from(r.outputs.y?.data as Float32Array))).toEqual([[4], [8], [12]]);
      expect(yield* joined(registry, "sum-all@1.0.0")).toEqual({ runs: 0, requests: 0 });
      // The joined attempt and the three lone reruns; afterwards the engine no longer tries to join.
      expect(ortRuns).toBe(4);
      const again = yield* round();
      expect(again.map((r) => Array.from(r.outputs.y?.data as Float32Array))).toEqual([[4], [8], [12]]);
      expect(ortRuns).toBe(7);
      yield* engine.close();
    }),
  );
});

describe("engine options", () => {
  it("refuses nonsensical dynamic batching options", async () => {
    const source = await sourceWithModels();
    expect(() => createInferenceEngine({ dynamicBatching: { maxRows: 0 } }, { source })).toThrow(RangeError);
    expect(() => createInferenceEngine({ dynamicBatching: { maxWaitMs: -1 } }, { source })).toThrow(
      RangeError,
    );
  });
});
