// Inference latency and throughput through the AI node's InferenceEngine (input checks, metrics,
// commitment, Effect plumbing) against direct onnxruntime-node `session.run` calls on the same model
// file, in the same process and run. Models come from an in-memory source, so no network is timed.
import {
  createInferenceEngine,
  type InferenceEngineShape,
  inferenceCommitment,
  memoryModelSource,
  type NamedTensors,
  workerPoolRunner,
} from "@darwin/ai-node";
import { classifierTestSet, POOLED_PIXELS, readArtifact, readManifest, readModelIndex } from "@darwin/models";
import { createRegistry } from "@darwin/observability";
import { Effect } from "effect";
import * as ort from "onnxruntime-node";
import { machineDescription, percentile, printTable, type Row } from "./harness.ts";

interface Case {
  readonly title: string;
  readonly manifestCid: string;
  readonly session: ort.InferenceSession;
  readonly inputs: readonly NamedTensors[];
  readonly iterations: number;
}

function toOrt(inputs: NamedTensors): Record<string, ort.Tensor> {
  return Object.fromEntries(
    Object.entries(inputs).map(([k, t]) => [k, new ort.Tensor(t.dtype, t.data, [...t.shape])]),
  );
}

async function measure(
  n: number,
  run: (i: number) => Promise<unknown>,
): Promise<{ samples: number[]; totalMs: number }> {
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run(i);
    samples.push(performance.now() - t0);
  }
  return { samples, totalMs: performance.now() - started };
}

async function concurrent(
  n: number,
  inFlight: number,
  run: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await run(next++);
    }),
  );
  return (n / (performance.now() - started)) * 1000;
}

async function benchCase(engine: InferenceEngineShape, c: Case): Promise<void> {
  const feeds = c.inputs.map(toOrt);
  // Both paths hand back output values a caller can read, so the reference touches them too.
  const direct = async (i: number) => {
    const out = await c.session.run(feeds[i % feeds.length] as Record<string, ort.Tensor>);
    for (const t of Object.values(out)) void t.data;
    return out;
  };
  const viaEngine = (i: number) =>
    Effect.runPromise(
      engine.infer({ model: c.manifestCid, inputs: c.inputs[i % c.inputs.length] as NamedTensors }),
    );
  // Warm both paths, then alternate rounds so drift on a shared machine hits both alike.
  // Long enough for V8 to optimise the engine's hot path (a few hundred calls are not).
  for (let w = 0; w < 2; w++) {
    await measure(c.iterations / 2, direct);
    await measure(c.iterations / 2, viaEngine);
  }
  const d: number[] = [];
  const e: number[] = [];
  let dMs = 0;
  let eMs = 0;
  const rounds = 5;
  for (let r = 0; r < rounds; r++) {
    const a = await measure(c.iterations / rounds, direct);
    const b = await measure(c.iterations / rounds, viaEngine);
    d.push(...a.samples);
    e.push(...b.samples);
    dMs += a.totalMs;
    eMs += b.totalMs;
  }
  const dConc = await concurrent(c.iterations, 8, direct);
  const eConc = await concurrent(c.iterations, 8, viaEngine);
  // The commitment is part of the engine's answer; timing it alone shows how much of the overhead
  // is SHA-256 over the input and output bytes rather than plumbing.
  const sample = await viaEngine(0);
  const hashed = await measure(c.iterations, async () =>
    inferenceCommitment(sample.modelCid, c.inputs[0] as NamedTensors, sample.outputs),
  );
  const us = (ms: number) => ms * 1000;
  const rows: Row[] = [
    {
      name: "p50 latency",
      value: us(percentile(e, 50)),
      unit: "us",
      reference: { name: "direct ORT", value: us(percentile(d, 50)) },
    },
    {
      name: "p99 latency",
      value: us(percentile(e, 99)),
      unit: "us",
      reference: { name: "direct ORT", value: us(percentile(d, 99)) },
    },
    {
      name: "throughput, sequential",
      value: (c.iterations / eMs) * 1000,
      unit: "inf/s",
      reference: { name: "direct ORT", value: (c.iterations / dMs) * 1000 },
    },
    {
      name: "throughput, 8 in flight",
      value: eConc,
      unit: "inf/s",
      reference: { name: "direct ORT", value: dConc },
    },
    { name: "of which commitment alone, p50", value: us(percentile(hashed.samples, 50)), unit: "us" },
  ];
  printTable(`${c.title} (${c.iterations} calls per path)`, rows);
}

async function main(): Promise<void> {
  process.stdout.write(`${machineDescription()}\n\n`);
  const source = memoryModelSource();
  for (const entry of readModelIndex()) {
    await source.put(readArtifact(entry.manifest));
    for (const file of readManifest(entry.name).files)
      await source.put(readArtifact(`${entry.name}/${file.path}`));
  }
  const engine = createInferenceEngine({}, { source, registry: createRegistry({ defaultMetrics: false }) });
  const index = readModelIndex();
  const cidOf = (name: string) => index.find((m) => m.name === name)?.manifestCid as string;
  const opts: ort.InferenceSession.SessionOptions = {
    executionProviders: ["cpu"],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  };

  const test = classifierTestSet();
  const digits: NamedTensors[] = Array.from({ length: 64 }, (_, i) => ({
    pixels: {
      dtype: "float32",
      shape: [1, 49],
      data: test.inputs.slice(i * POOLED_PIXELS, (i + 1) * POOLED_PIXELS),
    },
  }));
  const classifierSession = await ort.InferenceSession.create(
    readArtifact("darwin-mnist-mlp/classifier.onnx"),
    opts,
  );
  await benchCase(engine, {
    title: "classifier 49-16-10, batch 1",
    manifestCid: cidOf("darwin-mnist-mlp"),
    session: classifierSession,
    inputs: digits,
    iterations: 5000,
  });

  const batch = 256;
  const batched: NamedTensors[] = Array.from({ length: 4 }, (_, k) => ({
    pixels: {
      dtype: "float32",
      shape: [batch, 49],
      data: test.inputs.slice(k * batch * POOLED_PIXELS, (k + 1) * batch * POOLED_PIXELS),
    },
  }));
  await benchCase(engine, {
    title: `classifier 49-16-10, batch ${batch} in one call`,
    manifestCid: cidOf("darwin-mnist-mlp"),
    session: classifierSession,
    inputs: batched,
    iterations: 1000,
  });

  const text = new TextEncoder().encode("Darwin is a chain for answers. A user asks a question of a model.");
  const windows: NamedTensors[] = Array.from({ length: 16 }, (_, i) => {
    const w = text.subarray(i, i + 32);
    return { tokens: { dtype: "int64", shape: [1, 32], data: BigInt64Array.from(w, (b) => BigInt(b)) } };
  });
  const lmSession = await ort.InferenceSession.create(readArtifact("darwin-tiny-lm/lm.onnx"), opts);
  await benchCase(engine, {
    title: "tiny LM (2 blocks, d 32), 32 tokens",
    manifestCid: cidOf("darwin-tiny-lm"),
    session: lmSession,
    inputs: windows,
    iterations: 1000,
  });

  // The same engine with sessions on one worker thread: what moving ORT off the event loop costs.
  const pooled = createInferenceEngine(
    {},
    { source, registry: createRegistry({ defaultMetrics: false }), runner: workerPoolRunner({ workers: 1 }) },
  );
  await benchCase(pooled, {
    title: "classifier 49-16-10, batch 1, engine on a 1-thread worker pool",
    manifestCid: cidOf("darwin-mnist-mlp"),
    session: classifierSession,
    inputs: digits,
    iterations: 5000,
  });
  await benchCase(pooled, {
    title: "tiny LM, 32 tokens, engine on a 1-thread worker pool",
    manifestCid: cidOf("darwin-tiny-lm"),
    session: lmSession,
    inputs: windows,
    iterations: 1000,
  });
  await Effect.runPromise(pooled.close());
  await Effect.runPromise(engine.close());
  await classifierSession.release();
  await lmSession.release();
}

await main();
