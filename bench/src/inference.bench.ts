// Inference latency and throughput through the AI node's InferenceEngine against direct
// onnxruntime-node calls on the same model file, in the same process and run, like for like:
// - "direct ORT" does what a direct user of onnxruntime-node's public API must do for the request the
//   engine gets: wrap the request's JS typed arrays in `ort.Tensor`s, `await session.run`, read each
//   output's values and dims. Nothing is prepared outside the timed call.
// - "ORT native call alone" is the engine's own in-process runner (`inProcessRunner().open(...)
//   .runSync`: onnxruntime-node's native binding, called synchronously) with no engine around it:
//   the floor for anything built on this ORT, so "engine / native call" is the engine's own cost.
// - "engine" is `Effect.runPromise(engine.infer(request))` from the same arrays: reference resolution
//   and LRU, the manifest's input checks, the deadline, the ORT run, the output checks, the inference
//   commitment (SHA-256 over the framing, BLAKE3 digests of large tensors) and the metrics:
//   everything the engine does per call.
// - "direct ORT + same commitment" is the direct path that also computes the engine's commitment over
//   the same bytes: the reference for the engine's whole answer.
// - Concurrency: N clients, each awaiting its answer before sending the next request, against the
//   direct public API with the same N calls in flight; the engine without and with dynamic batching
//   (`dynamicBatching: { maxRows: 64 }`: requests arriving in one event-loop turn share one ORT run,
//   each still answered with its own outputs and commitment).
// Models come from an in-memory source, so no network is timed (CID checks happen at load). Besides
// the shipped models, two larger MLPs are built here, deterministically, with the ONNX builder of
// @darwin/models (not shipped): their ORT time is closer to real models', where fixed costs matter less.
import {
  createInferenceEngine,
  type InferenceEngineShape,
  inferenceCommitment,
  inProcessRunner,
  memoryModelSource,
  type NamedTensors,
  type Tensor,
  workerPoolRunner,
} from "@darwin/ai-node";
import {
  classifierTestSet,
  createPrng,
  onnxBuilder,
  POOLED_PIXELS,
  readArtifact,
  readManifest,
  readModelIndex,
  stableJson,
} from "@darwin/models";
import { createRegistry } from "@darwin/observability";
import { Effect } from "effect";
import * as ort from "onnxruntime-node";
import { machineDescription, percentile, printTable, type Row } from "./harness.ts";

interface Case {
  readonly title: string;
  readonly manifestCid: string;
  readonly onnx: Uint8Array;
  readonly inputs: readonly NamedTensors[];
  readonly iterations: number;
  /** Clients in flight for the throughput-under-concurrency rows. */
  readonly clients: number;
}

interface Engines {
  readonly plain: InferenceEngineShape;
  readonly batching: InferenceEngineShape;
}

interface Verdict {
  readonly title: string;
  readonly ortP50: number;
  readonly nativeP50: number;
  readonly engineP50: number;
  readonly p50: number;
  readonly p50VsNative: number;
  readonly p50VsCommitted: number;
  readonly p99: number;
  readonly sequential: number;
  readonly concurrent: number;
  readonly batched: number;
  readonly concurrentCpu: number;
  readonly batchedCpu: number;
  readonly commitmentUs: number;
  readonly identical: boolean;
}

const SESSION_OPTS: ort.InferenceSession.SessionOptions = {
  executionProviders: ["cpu"],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
};

/** What a direct onnxruntime-node user writes for one request given as JS typed arrays. */
function toOrt(inputs: NamedTensors): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name in inputs) {
    const t = inputs[name] as Tensor;
    feeds[name] = new ort.Tensor(t.dtype, t.data, [...t.shape]);
  }
  return feeds;
}

// Every path owns its ORT session, so the bench holds several copies of a model's weights while a
// server holds one. A path's first call after another path ran would find its weights evicted from
// the caches (22 MiB for the largest MLP: ~1.8 ms instead of ~0.86), which is the bench's own doing,
// and that cold call landed in the p99 of whichever path never followed a path on its own session.
// So each timed run starts with five untimed calls (one was not enough: with one, the engine's p99
// on that model was still 1.56x direct ORT's, with five 1.06x, its p50 unchanged).
async function measure(
  n: number,
  run: (i: number) => Promise<unknown>,
): Promise<{ samples: number[]; totalMs: number }> {
  const samples: number[] = [];
  for (let w = 0; w < 5; w++) await run(n + w);
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
  for (let w = 0; w < 5; w++) run(n + w);
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    run(i);
    samples.push(performance.now() - t0);
  }
  return { samples, totalMs: performance.now() - started };
}

/** Calls per second with `clients` callers in flight, each sending its next call when answered. */
/**
 * Calls per second with `clients` callers in flight, each sending its next call when answered: per
 * wall-clock second, and per second of this process's CPU time (all its threads, GC included), which
 * other jobs on a shared machine disturb far less than wall time.
 */
async function concurrent(
  n: number,
  clients: number,
  run: (i: number) => Promise<unknown>,
): Promise<{ wall: number; cpu: number }> {
  let next = 0;
  // Warmed like `measure`, for the same reason.
  for (let w = 0; w < 5; w++) await run(n + w);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < n) await run(next++);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { wall: (n / (performance.now() - started)) * 1000, cpu: n / ((cpu.user + cpu.system) / 1e6) };
}

/**
 * One path's latencies over all rounds, and its throughput as the median of the rounds' rates: on a
 * machine shared with other jobs, a round that a neighbour's burst slowed must not decide the figure.
 */
class Series {
  readonly samples: number[] = [];
  readonly rates: number[] = [];
  add(m: { samples: number[]; totalMs: number }): void {
    this.samples.push(...m.samples);
    this.rates.push((m.samples.length / m.totalMs) * 1000);
  }
  p(q: number): number {
    return percentile(this.samples, q) * 1000;
  }
  rate(): number {
    return percentile(this.rates, 50);
  }
}

/** `INFERENCE_CASES=LM,MLP npm run bench -- inference` runs only the cases whose title has one of these. */
const only = (process.env.INFERENCE_CASES ?? "").split(",").filter((x) => x !== "");

async function benchCase(engines: Engines, c: Case): Promise<Verdict | undefined> {
  if (only.length > 0 && !only.some((x) => c.title.includes(x))) return undefined;
  const session = await ort.InferenceSession.create(c.onnx, SESSION_OPTS);
  const native = await inProcessRunner().open(c.onnx, { intraOpThreads: 1 });
  const runNative = native.runSync;
  if (!runNative) throw new Error("the in-process runner has no native path here");
  const request = (i: number) => c.inputs[i % c.inputs.length] as NamedTensors;
  let sink = 0;
  const direct = async (i: number) => {
    const out = await session.run(toOrt(request(i)));
    for (const name in out) {
      const t = out[name] as ort.Tensor;
      sink += t.data.length + t.dims.length;
    }
  };
  const nativeCall = (i: number) => {
    const out = runNative(request(i));
    for (const name in out) {
      const t = out[name] as Tensor;
      sink += t.data.length + t.shape.length;
    }
  };
  const through = (engine: InferenceEngineShape) => async (i: number) => {
    const result = await Effect.runPromise(engine.infer({ model: c.manifestCid, inputs: request(i) }));
    for (const name in result.outputs) {
      const t = result.outputs[name] as Tensor;
      sink += t.data.length + t.shape.length;
    }
    sink += result.commitment.length;
    return result;
  };
  const viaEngine = through(engines.plain);
  const viaBatching = through(engines.batching);
  // The commitment over the same requests and their answers, timed alone.
  const answers = await Promise.all(c.inputs.map((_, i) => viaEngine(i)));
  // Dynamic batching is only worth having if joined runs give the answers lone runs give: checked
  // here on every case's requests, sent together so that they share runs.
  const joinedAnswers = await Promise.all(c.inputs.map((_, i) => viaBatching(i)));
  const identical = joinedAnswers.every((a, i) => a.commitment === answers[i]?.commitment);
  const modelCid = (answers[0] as (typeof answers)[number]).modelCid;
  const commit = (i: number) => {
    const k = i % c.inputs.length;
    return inferenceCommitment(
      modelCid,
      c.inputs[k] as NamedTensors,
      (answers[k] as (typeof answers)[number]).outputs,
    );
  };
  // A direct user who also wants the engine's answer, commitment included, writes this.
  const directCommitted = async (i: number) => {
    const inputs = request(i);
    const out = await session.run(toOrt(inputs));
    const outputs: Record<string, Tensor> = {};
    for (const name in out) {
      const t = out[name] as ort.Tensor;
      outputs[name] = { dtype: t.type as "float32", shape: t.dims, data: t.data as Float32Array };
    }
    return inferenceCommitment(modelCid, inputs, outputs);
  };

  // Warm every path long enough for V8 to optimise it, then alternate rounds so drift on a shared
  // machine hits every path alike.
  const warm = Math.max(200, c.iterations / 2);
  for (let w = 0; w < 2; w++) {
    await measure(warm, direct);
    measureSync(warm, nativeCall);
    await measure(warm, viaEngine);
    await measure(warm, viaBatching);
    measureSync(warm, commit);
    await measure(warm, directCommitted);
  }
  const d = new Series();
  const n = new Series();
  const e = new Series();
  const b = new Series();
  const h = new Series();
  const dc = new Series();
  const rounds = 10;
  const per = Math.ceil(c.iterations / rounds);
  // Each round runs every path once, starting from a different one each time: a path that runs after
  // another inherits its garbage (a GC it did not cause), so no path may always follow the same one.
  const paths: (() => Promise<void>)[] = [
    async () => d.add(await measure(per, direct)),
    async () => n.add(measureSync(per, nativeCall)),
    async () => e.add(await measure(per, viaEngine)),
    async () => b.add(await measure(per, viaBatching)),
    async () => h.add(measureSync(per, commit)),
    async () => dc.add(await measure(per, directCommitted)),
  ];
  for (let r = 0; r < rounds; r++)
    for (let k = 0; k < paths.length; k++) await (paths[(r + k) % paths.length] as () => Promise<void>)();
  const concRounds = 15;
  const calls = Math.ceil((c.iterations * 2) / concRounds);
  type Rate = { wall: number; cpu: number };
  const rates = { direct: [] as Rate[], engine: [] as Rate[], batching: [] as Rate[] };
  const concPaths: (() => Promise<void>)[] = [
    async () => void rates.direct.push(await concurrent(calls, c.clients, direct)),
    async () => void rates.engine.push(await concurrent(calls, c.clients, viaEngine)),
    async () => void rates.batching.push(await concurrent(calls, c.clients, viaBatching)),
  ];
  for (let r = 0; r < concRounds; r++)
    for (let k = 0; k < concPaths.length; k++)
      await (concPaths[(r + k) % concPaths.length] as () => Promise<void>)();
  const median = (xs: Rate[], k: keyof Rate) =>
    percentile(
      xs.map((x) => x[k]),
      50,
    );
  const conc = {
    direct: median(rates.direct, "wall"),
    engine: median(rates.engine, "wall"),
    batching: median(rates.batching, "wall"),
  };
  const concCpu = {
    direct: median(rates.direct, "cpu"),
    engine: median(rates.engine, "cpu"),
    batching: median(rates.batching, "cpu"),
  };
  if (sink < 0) throw new Error("unreachable");
  await session.release();
  await native.release();

  const directP50 = { name: "direct ORT", value: d.p(50) };
  const directRate = { name: "direct ORT", value: d.rate() };
  const inFlight = `${c.clients} clients`;
  const rows: Row[] = [
    { name: "p50 latency, engine", value: e.p(50), unit: "us", reference: directP50 },
    {
      name: "p50 latency, engine",
      value: e.p(50),
      unit: "us",
      reference: { name: "ORT native call alone", value: n.p(50) },
    },
    {
      name: "p50 latency, engine",
      value: e.p(50),
      unit: "us",
      reference: { name: "direct ORT + same commitment", value: dc.p(50) },
    },
    {
      name: "p50 latency, engine minus commitment",
      value: e.p(50) - h.p(50),
      unit: "us",
      reference: directP50,
    },
    {
      name: "p99 latency, engine",
      value: e.p(99),
      unit: "us",
      reference: { name: "direct ORT", value: d.p(99) },
    },
    {
      name: "p99 latency, engine",
      value: e.p(99),
      unit: "us",
      reference: { name: "ORT native call alone", value: n.p(99) },
    },
    {
      name: "p99 latency, engine",
      value: e.p(99),
      unit: "us",
      reference: { name: "direct ORT + same commitment", value: dc.p(99) },
    },
    {
      name: "throughput, sequential, engine (median of rounds)",
      value: e.rate(),
      unit: "inf/s",
      reference: directRate,
    },
    {
      name: `throughput, ${inFlight}, engine`,
      value: conc.engine,
      unit: "inf/s",
      reference: { name: `direct ORT, ${inFlight}`, value: conc.direct },
    },
    {
      name: `throughput, ${inFlight}, engine + dynamic batching`,
      value: conc.batching,
      unit: "inf/s",
      reference: { name: `direct ORT, ${inFlight}`, value: conc.direct },
    },
    {
      name: `throughput per CPU-second, ${inFlight}, engine`,
      value: concCpu.engine,
      unit: "inf/s",
      reference: { name: `direct ORT, ${inFlight}`, value: concCpu.direct },
    },
    {
      name: `throughput per CPU-second, ${inFlight}, engine + dynamic batching`,
      value: concCpu.batching,
      unit: "inf/s",
      reference: { name: `direct ORT, ${inFlight}`, value: concCpu.direct },
    },
    {
      name: "p50 latency, lone request, engine + dynamic batching",
      value: b.p(50),
      unit: "us",
      reference: directP50,
    },
    { name: "commitment alone, p50", value: h.p(50), unit: "us" },
  ];
  printTable(`${c.title} (${c.iterations} calls per path, rounds alternating)`, rows);
  process.stdout.write(
    `dynamic batching, ${c.inputs.length} requests sent together: answers and commitments ${identical ? "identical to" : "DIFFER from"} lone runs\n\n`,
  );
  return {
    title: c.title,
    ortP50: d.p(50),
    nativeP50: n.p(50),
    engineP50: e.p(50),
    p50: e.p(50) / d.p(50),
    p50VsNative: e.p(50) / n.p(50),
    p50VsCommitted: e.p(50) / dc.p(50),
    p99: e.p(99) / d.p(99),
    sequential: e.rate() / d.rate(),
    concurrent: conc.engine / conc.direct,
    batched: conc.batching / conc.direct,
    concurrentCpu: concCpu.engine / concCpu.direct,
    batchedCpu: concCpu.batching / concCpu.direct,
    commitmentUs: h.p(50),
    identical,
  };
}

/**
 * A float32 MLP `sizes[0] -> ... -> sizes[n]` (ReLU between layers), weights from a seeded PRNG:
 * built with @darwin/models' ONNX builder, the same bytes every run, never shipped.
 */
function benchMlp(sizes: readonly number[], seed: number): Uint8Array {
  const { encodeModel, floatTensor, node, valueInfo } = onnxBuilder;
  const rng = createPrng(seed);
  const nodes: ReturnType<typeof node>[] = [];
  const initializers: ReturnType<typeof floatTensor>[] = [];
  let x = "x";
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l] as number;
    const fanOut = sizes[l + 1] as number;
    const scale = Math.sqrt(2 / fanIn);
    const w = Float32Array.from({ length: fanIn * fanOut }, () => rng.normal() * scale);
    const bias = Float32Array.from({ length: fanOut }, () => (rng.next() - 0.5) * 0.1);
    initializers.push(floatTensor(`W${l}`, [fanIn, fanOut], w), floatTensor(`b${l}`, [fanOut], bias));
    const last = l + 2 === sizes.length;
    nodes.push(node("MatMul", [x, `W${l}`], [`m${l}`], `matmul${l}`));
    nodes.push(node("Add", [`m${l}`, `b${l}`], [last ? "y" : `a${l}`], `add${l}`));
    if (!last) nodes.push(node("Relu", [`a${l}`], [`h${l}`], `relu${l}`));
    x = `h${l}`;
  }
  return encodeModel(
    {
      name: `bench-mlp-${sizes.join("-")}`,
      nodes,
      initializers,
      inputs: [valueInfo("x", "float32", ["batch", sizes[0] as number])],
      outputs: [valueInfo("y", "float32", ["batch", sizes.at(-1) as number])],
    },
    { version: "0.0.1" },
  );
}

async function putBenchMlp(
  source: ReturnType<typeof memoryModelSource>,
  sizes: readonly number[],
  onnx: Uint8Array,
): Promise<string> {
  const cid = await source.put(onnx);
  const base = readManifest("darwin-mnist-mlp");
  const file = `mlp-${sizes.join("-")}.onnx`;
  const manifest = {
    ...base,
    name: `bench-mlp-${sizes.join("-")}`,
    version: "0.0.1",
    description: "Benchmark-only MLP with seeded random weights (not shipped)",
    inputs: [{ name: "x", dtype: "float32", shape: ["batch", sizes[0]] }],
    outputs: [{ name: "y", dtype: "float32", shape: ["batch", sizes.at(-1)] }],
    model: { file, cid, bytes: onnx.length },
    files: [{ path: file, cid, bytes: onnx.length, role: "model" }],
    stages: [],
    extra: {},
  };
  return source.put(new TextEncoder().encode(stableJson(manifest)));
}

function printVerdicts(verdicts: readonly Verdict[]): void {
  const r = (x: number) => `${x.toFixed(2)}x`;
  const us = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const lines = [
    "### summary: engine against direct ORT (target: at most 10% overhead)",
    "",
    "p50/p99: engine latency / direct ORT latency (met at <= 1.10x). Throughput: engine / direct ORT (met at >= 0.91x); N clients = 8 callers in flight, wall-clock rate and rate per CPU-second of this process, medians of 15 rounds.",
    "",
    "| model | direct ORT p50 | native call p50 | engine p50 | p50 | p50 vs native | p50 vs ORT + commitment | p99 | throughput seq. | throughput N clients | N clients + dyn. batching | same, per CPU-s | same + dyn. batching, per CPU-s | commitment | batched = lone |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ...verdicts.map(
      (v) =>
        `| ${v.title} | ${us(v.ortP50)} us | ${us(v.nativeP50)} us | ${us(v.engineP50)} us | ${r(v.p50)} | ${r(v.p50VsNative)} | ${r(v.p50VsCommitted)} | ${r(v.p99)} | ${r(v.sequential)} | ${r(v.concurrent)} | ${r(v.batched)} | ${r(v.concurrentCpu)} | ${r(v.batchedCpu)} | ${us(v.commitmentUs)} us | ${v.identical ? "yes" : "NO"} |`,
    ),
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

async function main(): Promise<void> {
  process.stdout.write(`${machineDescription()}\n\n`);
  const source = memoryModelSource();
  for (const entry of readModelIndex()) {
    await source.put(readArtifact(entry.manifest));
    for (const file of readManifest(entry.name).files)
      await source.put(readArtifact(`${entry.name}/${file.path}`));
  }
  const registry = () => createRegistry({ defaultMetrics: false });
  const engines: Engines = {
    plain: createInferenceEngine({}, { source, registry: registry() }),
    batching: createInferenceEngine({ dynamicBatching: { maxRows: 64 } }, { source, registry: registry() }),
  };
  const index = readModelIndex();
  const cidOf = (name: string) => index.find((m) => m.name === name)?.manifestCid as string;
  const verdicts: Verdict[] = [];
  const keep = (v: Verdict | undefined) => {
    if (v) verdicts.push(v);
  };

  const test = classifierTestSet();
  const classifierOnnx = readArtifact("darwin-mnist-mlp/classifier.onnx");
  const digits: NamedTensors[] = Array.from({ length: 64 }, (_, i) => ({
    pixels: {
      dtype: "float32",
      shape: [1, 49],
      data: test.inputs.slice(i * POOLED_PIXELS, (i + 1) * POOLED_PIXELS),
    },
  }));
  keep(
    await benchCase(engines, {
      title: "classifier 49-16-10, batch 1",
      manifestCid: cidOf("darwin-mnist-mlp"),
      onnx: classifierOnnx,
      inputs: digits,
      iterations: 5000,
      clients: 8,
    }),
  );

  const batch = 256;
  const batched: NamedTensors[] = Array.from({ length: 4 }, (_, k) => ({
    pixels: {
      dtype: "float32",
      shape: [batch, 49],
      data: test.inputs.slice(k * batch * POOLED_PIXELS, (k + 1) * batch * POOLED_PIXELS),
    },
  }));
  keep(
    await benchCase(engines, {
      title: `classifier 49-16-10, batch ${batch} in one call`,
      manifestCid: cidOf("darwin-mnist-mlp"),
      onnx: classifierOnnx,
      inputs: batched,
      iterations: 1000,
      clients: 8,
    }),
  );

  const text = new TextEncoder().encode("Darwin is a chain for answers. A user asks a question of a model.");
  const windows: NamedTensors[] = Array.from({ length: 16 }, (_, i) => {
    const w = text.subarray(i, i + 32);
    return { tokens: { dtype: "int64", shape: [1, 32], data: BigInt64Array.from(w, (b) => BigInt(b)) } };
  });
  keep(
    await benchCase(engines, {
      title: "tiny LM (2 blocks, d 32), 32 tokens",
      manifestCid: cidOf("darwin-tiny-lm"),
      onnx: readArtifact("darwin-tiny-lm/lm.onnx"),
      inputs: windows,
      iterations: 1000,
      clients: 8,
    }),
  );

  for (const [sizes, iterations] of [
    [[256, 1024, 1024, 10], 1500],
    [[784, 2048, 2048, 10], 300],
  ] as const) {
    const onnx = benchMlp(sizes, 6);
    const manifestCid = await putBenchMlp(source, sizes, onnx);
    const rng = createPrng(60);
    const inputs: NamedTensors[] = Array.from({ length: 16 }, () => ({
      x: {
        dtype: "float32",
        shape: [1, sizes[0]],
        data: Float32Array.from({ length: sizes[0] }, () => rng.next()),
      },
    }));
    keep(
      await benchCase(engines, {
        title: `MLP ${sizes.join("-")} (bench-built, ${(onnx.length / 2 ** 20).toFixed(1)} MiB), batch 1`,
        manifestCid,
        onnx,
        inputs,
        iterations,
        clients: 8,
      }),
    );
  }
  printVerdicts(verdicts);

  // The same engine with sessions on one worker thread: what moving ORT off the event loop costs.
  const pooled = createInferenceEngine(
    {},
    { source, registry: registry(), runner: workerPoolRunner({ workers: 1 }) },
  );
  const pooledBatching = createInferenceEngine(
    { dynamicBatching: { maxRows: 64 } },
    { source, registry: registry(), runner: workerPoolRunner({ workers: 1 }) },
  );
  await benchCase(
    { plain: pooled, batching: pooledBatching },
    {
      title: "classifier 49-16-10, batch 1, engine on a 1-thread worker pool",
      manifestCid: cidOf("darwin-mnist-mlp"),
      onnx: classifierOnnx,
      inputs: digits,
      iterations: 2000,
      clients: 8,
    },
  );
  await Effect.runPromise(pooled.close());
  await Effect.runPromise(pooledBatching.close());
  await Effect.runPromise(engines.plain.close());
  await Effect.runPromise(engines.batching.close());
}

await main();
