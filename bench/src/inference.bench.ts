// Inference latency and throughput through the AI node's InferenceEngine against direct
// onnxruntime-node calls on the same model file, in the same process and run, like for like:
// - "direct ORT" does what a direct user of onnxruntime-node must do for the request the engine gets:
//   wrap the request's JS typed arrays in `ort.Tensor`s, `session.run`, read each output's values and
//   dims. Nothing is prepared outside the timed call.
// - "engine incl. commitment" is `Effect.runPromise(engine.infer(request))` from the same arrays:
//   reference resolution and LRU, the manifest's input checks, the deadline, the ORT run, the output
//   checks, the SHA-256 inference commitment and the metrics: everything the engine does per call.
// - "direct ORT + same commitment" is the direct path that also computes the engine's commitment over
//   the same bytes: the fair reference for the engine's whole answer (hashing tens of KB also evicts
//   some of ORT's working set from the caches, which slows the next run a little in both).
// - "engine excl. commitment" subtracts the commitment's own time (measured alone over the same
//   requests and answers, in the same run) from the engine's, to show the plumbing apart from hashing.
// Models come from an in-memory source, so no network is timed (CID checks happen at load).
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

/** What a direct onnxruntime-node user writes for one request given as JS typed arrays. */
function toOrt(inputs: NamedTensors): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name in inputs) {
    const t = inputs[name] as NamedTensors[string];
    feeds[name] = new ort.Tensor(t.dtype, t.data, [...t.shape]);
  }
  return feeds;
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

function measureSync(n: number, run: (i: number) => unknown): { samples: number[]; totalMs: number } {
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    run(i);
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
  let sink = 0;
  const direct = async (i: number) => {
    const out = await c.session.run(toOrt(c.inputs[i % c.inputs.length] as NamedTensors));
    for (const name in out) {
      const t = out[name] as ort.Tensor;
      sink += t.data.length + t.dims.length;
    }
    return out;
  };
  const viaEngine = async (i: number) => {
    const result = await Effect.runPromise(
      engine.infer({ model: c.manifestCid, inputs: c.inputs[i % c.inputs.length] as NamedTensors }),
    );
    for (const name in result.outputs) {
      const t = result.outputs[name] as NamedTensors[string];
      sink += t.data.length + t.shape.length;
    }
    return result;
  };
  // Warm both paths, then alternate rounds so drift on a shared machine hits both alike.
  // Long enough for V8 to optimise the engine's hot path (a few hundred calls are not).
  for (let w = 0; w < 2; w++) {
    await measure(c.iterations / 2, direct);
    await measure(c.iterations / 2, viaEngine);
  }
  // The commitment over the same requests and their answers, timed alone, in rounds of its own.
  const answers = await Promise.all(c.inputs.map((_, i) => viaEngine(i)));
  const commit = (i: number) => {
    const k = i % c.inputs.length;
    const answer = answers[k] as (typeof answers)[number];
    return inferenceCommitment(answer.modelCid, c.inputs[k] as NamedTensors, answer.outputs);
  };
  measureSync(c.iterations, commit);
  // A direct user who also wants the engine's answer, commitment included, writes this.
  const modelCid = (answers[0] as (typeof answers)[number]).modelCid;
  const directCommitted = async (i: number) => {
    const inputs = c.inputs[i % c.inputs.length] as NamedTensors;
    const out = await c.session.run(toOrt(inputs));
    const outputs: Record<string, NamedTensors[string]> = {};
    for (const name in out) {
      const t = out[name] as ort.Tensor;
      outputs[name] = { dtype: t.type as "float32", shape: t.dims, data: t.data as Float32Array };
    }
    return inferenceCommitment(modelCid, inputs, outputs);
  };
  await measure(c.iterations, directCommitted);
  const d: number[] = [];
  const e: number[] = [];
  const h: number[] = [];
  const dc: number[] = [];
  let dMs = 0;
  let eMs = 0;
  let hMs = 0;
  let dcMs = 0;
  const rounds = 5;
  for (let r = 0; r < rounds; r++) {
    const a = await measure(c.iterations / rounds, direct);
    const b = await measure(c.iterations / rounds, viaEngine);
    const x = measureSync(c.iterations / rounds, commit);
    const y = await measure(c.iterations / rounds, directCommitted);
    dc.push(...y.samples);
    dcMs += y.totalMs;
    d.push(...a.samples);
    e.push(...b.samples);
    h.push(...x.samples);
    dMs += a.totalMs;
    eMs += b.totalMs;
    hMs += x.totalMs;
  }
  const dConc = await concurrent(c.iterations, 8, direct);
  const eConc = await concurrent(c.iterations, 8, viaEngine);
  if (sink < 0) throw new Error("unreachable");
  const us = (ms: number) => ms * 1000;
  const directP50 = { name: "direct ORT", value: us(percentile(d, 50)) };
  const directRate = { name: "direct ORT", value: (c.iterations / dMs) * 1000 };
  const rows: Row[] = [
    {
      name: "p50 latency, engine incl. commitment",
      value: us(percentile(e, 50)),
      unit: "us",
      reference: directP50,
    },
    {
      name: "p50 latency, engine incl. commitment",
      value: us(percentile(e, 50)),
      unit: "us",
      reference: { name: "direct ORT + same commitment", value: us(percentile(dc, 50)) },
    },
    {
      name: "p50 latency, engine excl. commitment",
      value: us(percentile(e, 50) - percentile(h, 50)),
      unit: "us",
      reference: directP50,
    },
    {
      name: "p99 latency, engine incl. commitment",
      value: us(percentile(e, 99)),
      unit: "us",
      reference: { name: "direct ORT", value: us(percentile(d, 99)) },
    },
    {
      name: "throughput, sequential, engine incl. commitment",
      value: (c.iterations / eMs) * 1000,
      unit: "inf/s",
      reference: directRate,
    },
    {
      name: "throughput, sequential, engine incl. commitment",
      value: (c.iterations / eMs) * 1000,
      unit: "inf/s",
      reference: { name: "direct ORT + same commitment", value: (c.iterations / dcMs) * 1000 },
    },
    {
      name: "throughput, sequential, engine excl. commitment",
      value: (c.iterations / (eMs - hMs)) * 1000,
      unit: "inf/s",
      reference: directRate,
    },
    {
      name: "throughput, 8 in flight, engine incl. commitment",
      value: eConc,
      unit: "inf/s",
      reference: { name: "direct ORT", value: dConc },
    },
    { name: "commitment alone, p50", value: us(percentile(h, 50)), unit: "us" },
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
