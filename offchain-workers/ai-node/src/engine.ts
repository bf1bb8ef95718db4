// The InferenceEngine: models by manifest CID from a ModelSource, every byte checked against its CID,
// ORT sessions in an LRU cache, single and batched inference with a commitment per answer, per-model
// latency histograms and counters. A request can fail; the engine goes on serving the next one.
import { assembleFile, type CID, isContentIdError, parseCid } from "@darwin/content-id";
import { type ModelManifest, parseManifest, type TensorSpec } from "@darwin/models";
import { Counter, Gauge, type Logger, type Registry, silentLogger } from "@darwin/observability";
import { Cause, Context, Effect, Exit, Layer } from "effect";
import { inferenceCommitment } from "./commitment.ts";
import {
  CidMismatch,
  ERROR_HTTP_STATUS,
  type InferenceError,
  MalformedInput,
  OrtFailure,
  Timeout,
  UnknownModel,
} from "./errors.ts";
import { createLatencyHistogram } from "./latency-histogram.ts";
import { ModelSource, type ModelSourceShape } from "./model-source.ts";
import { inProcessRunner, type SessionHandle, type SessionRunner } from "./runner.ts";
import { compileRequestCheck, concatBatch, type NamedTensors, splitBatch, type Tensor } from "./tensor.ts";

/** A model by its manifest CID (or, once loaded, by its name), optionally one pipeline stage of it. */
export interface ModelRef {
  readonly model: string;
  readonly stage?: string;
}

export interface InferRequest extends ModelRef {
  readonly inputs: NamedTensors;
  readonly timeoutMs?: number;
}

export interface LoadedModel {
  /** Manifest CID. */
  readonly model: string;
  readonly name: string;
  readonly version: string;
  readonly stage?: string;
  /** CID of the ONNX file the session runs. */
  readonly modelCid: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly manifest: ModelManifest;
  /** `name@version[/stage]`, the metrics label. */
  readonly label: string;
}

export interface InferResult {
  readonly model: string;
  readonly label: string;
  readonly modelCid: string;
  readonly outputs: Readonly<Record<string, Tensor>>;
  /** SHA-256 over (model CID, inputs, outputs; tensors of 4 KiB or more by their BLAKE3 digest); see commitment.ts. */
  readonly commitment: string;
  readonly durationMs: number;
}

export interface InferenceEngineShape {
  /** Fetches, verifies and opens a model (a no-op when it is cached). */
  readonly load: (ref: ModelRef) => Effect.Effect<LoadedModel, InferenceError>;
  readonly infer: (req: InferRequest) => Effect.Effect<InferResult, InferenceError>;
  /**
   * Several inputs for one model. Same-shaped requests run as one ORT call along the batch axis;
   * every request gets its own outputs and commitment.
   */
  readonly inferBatch: (
    ref: ModelRef,
    inputs: readonly NamedTensors[],
    opts?: { readonly timeoutMs?: number },
  ) => Effect.Effect<InferResult[], InferenceError>;
  /** Models whose sessions are open, most recently used last. */
  readonly loaded: () => readonly LoadedModel[];
  readonly close: () => Effect.Effect<void>;
}

export class InferenceEngine extends Context.Service<InferenceEngine, InferenceEngineShape>()(
  "@darwin/ai-node/InferenceEngine",
) {}

export interface InferenceEngineOpts {
  /** Open ORT sessions kept; the least recently used beyond this are released. Default 8. */
  readonly cacheSize?: number;
  /** Deadline of one inference (or batch). Default 30 s. */
  readonly timeoutMs?: number;
  /** Deadline of fetching, verifying and opening a model. Default 60 s. */
  readonly loadTimeoutMs?: number;
  /** ORT threads per session. Default 1 (AI nodes run many sessions side by side). */
  readonly intraOpThreads?: number;
  /**
   * Largest answer (sum of output values) one request may ask for; beyond it the request is refused
   * as MalformedInput before ORT allocates anything. Default 2^24 (64 MiB of float32).
   */
  readonly maxOutputElements?: number;
  /** Wrap every single inference in a tracing span (~12 us each; loads and batches always are). */
  readonly traceInferences?: boolean;
  /**
   * Dynamic batching of `infer` calls: concurrent requests for the same model (and the same
   * non-batch dimensions) join one ORT call along the batch axis, as inference servers do, and each
   * still gets its own outputs, commitment, deadline and errors. Off by default: a lone request then
   * waits for the end of the event-loop turn (or `maxWaitMs`) before it runs. Only for models whose
   * every input and output has `batch` as its first dimension; others run one by one.
   */
  readonly dynamicBatching?: DynamicBatchingOpts;
}

export interface DynamicBatchingOpts {
  /** Rows one joined run may hold; a batch that reaches it runs at once. Default 64. */
  readonly maxRows?: number;
  /**
   * How long the first request of a batch waits for company, in ms. 0 (default): only requests that
   * arrive within the same event-loop turn join it, and it runs right after that turn (setImmediate).
   */
  readonly maxWaitMs?: number;
}

export interface InferenceEngineModules {
  readonly source: ModelSourceShape;
  /** Where sessions run; default in-process. The engine closes it when it closes. */
  readonly runner?: SessionRunner;
  readonly registry?: Registry;
  readonly logger?: Logger;
}

/** A request waiting in a model's dynamic batch. */
interface Queued {
  readonly inputs: NamedTensors;
  readonly rows: number;
  readonly started: number;
  readonly timeoutMs: number;
  readonly resolve: (result: InferResult) => void;
  readonly reject: (err: InferenceError) => void;
  /** Answered already: its deadline passed while a worker-pool run was still going. */
  late?: boolean;
}

interface SessionEntry {
  readonly session: SessionHandle;
  readonly info: LoadedModel;
  /** The manifest's input checks compiled once; returns the answer's size in values. */
  readonly check: (inputs: NamedTensors) => number;
  /** The input whose first axis counts rows, when the model has a batch axis. */
  readonly rowsInput: string | undefined;
  /** Every input and output has `batch` first, so requests can be joined and answers split. */
  /** Cleared when a joined run shows the model's batch axis does not map rows to rows. */
  batchable: boolean;
  /** Every input's dimensions after the first are fixed: all well-formed requests can be joined. */
  readonly fixedRowShape: boolean;
  /** Dynamic batching: requests waiting, their rows and answer size, and the pending flush. */
  queue: Queued[];
  queuedRows: number;
  queuedElements: number;
  flushAt: NodeJS.Immediate | NodeJS.Timeout | undefined;
  /** prom-client children resolved once per model, not per call. */
  readonly single: ObservedMetrics;
  readonly batch: ObservedMetrics;
  readonly joinedRuns: { inc(n?: number): void };
  readonly joinedRequests: { inc(n?: number): void };
  /** Its key in `sessions`: `manifestCid#stage`. */
  readonly key: string;
  inflight: number;
  evicted: boolean;
  /** Its native session's release, started once by whichever of eviction, last hold or close came first. */
  released: Promise<void> | undefined;
}

/**
 * One model's per-call metrics. Counts accumulate here and reach prom-client when it collects (every
 * scrape or read), which keeps prom-client's per-call label hashing off the hot path.
 */
interface ObservedMetrics {
  readonly latency: { observe(seconds: number): void };
  readonly okCounter: { inc(n?: number): void };
  readonly rowsCounter: { inc(n?: number): void };
  ok: number;
  rows: number;
  dirty: boolean;
}

export function isInferenceError(err: unknown): err is InferenceError {
  return (
    typeof err === "object" &&
    err !== null &&
    typeof (err as { _tag?: unknown })._tag === "string" &&
    (err as { _tag: string })._tag in ERROR_HTTP_STATUS
  );
}

function ortFailure(message: string): InferenceError {
  return new OrtFailure({ message });
}

function asInferenceError(err: unknown, fallback: (message: string) => InferenceError): InferenceError {
  if (isInferenceError(err)) return err;
  return fallback(err instanceof Error ? err.message : String(err));
}

/** Runs an Effect from promise-land, rethrowing its typed failure as is. */
async function runOrThrow<A, E>(effect: Effect.Effect<A, E>): Promise<A> {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) return exit.value;
  throw Cause.squash(exit.cause);
}

function metricsFor(registry: Registry | undefined, collect: () => void) {
  const registers = registry ? [registry] : [];
  return {
    latency: createLatencyHistogram({
      name: "darwin_ai_inference_seconds",
      help: "Wall time of one inference call through the engine (a batch counts once)",
      labelNames: ["model", "kind"] as const,
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      ...(registry ? { registry } : {}),
    }),
    inferences: new Counter({
      name: "darwin_ai_inferences_total",
      help: "Inference requests by model and outcome (ok or the error tag)",
      labelNames: ["model", "outcome"] as const,
      registers,
      collect,
    }),
    rows: new Counter({
      name: "darwin_ai_inference_rows_total",
      help: "Rows (batch entries) inferred by model",
      labelNames: ["model"] as const,
      registers,
      collect,
    }),
    loads: new Counter({
      name: "darwin_ai_model_loads_total",
      help: "Model loads by outcome",
      labelNames: ["outcome"] as const,
      registers,
    }),
    fetchedBytes: new Counter({
      name: "darwin_ai_model_bytes_verified_total",
      help: "Model bytes fetched from the DA source and verified against their CIDs",
      registers,
    }),
    sessions: new Gauge({
      name: "darwin_ai_sessions_open",
      help: "ORT sessions in the LRU cache",
      registers,
    }),
    joinedRuns: new Counter({
      name: "darwin_ai_dynamic_batches_total",
      help: "ORT runs that joined several requests (dynamic batching)",
      labelNames: ["model"] as const,
      registers,
    }),
    joinedRequests: new Counter({
      name: "darwin_ai_dynamic_batched_requests_total",
      help: "Requests answered by a joined ORT run (dynamic batching)",
      labelNames: ["model"] as const,
      registers,
    }),
  };
}

const DEADLINE_SWEEP_MS = 10;
const MAX_MANIFESTS = 1024;

export function createInferenceEngine(
  opts: InferenceEngineOpts,
  modules: InferenceEngineModules,
): InferenceEngineShape {
  const log = (modules.logger ?? silentLogger()).child({ module: "ai-node/engine" });
  const runner = modules.runner ?? inProcessRunner();
  const dirtyMetrics: ObservedMetrics[] = [];
  const flushCounts = (): void => {
    for (const m of dirtyMetrics) {
      if (m.ok > 0) m.okCounter.inc(m.ok);
      if (m.rows > 0) m.rowsCounter.inc(m.rows);
      m.ok = 0;
      m.rows = 0;
      m.dirty = false;
    }
    dirtyMetrics.length = 0;
  };
  const metrics = metricsFor(modules.registry, flushCounts);
  const count = (m: ObservedMetrics, rows: number): void => {
    m.ok++;
    m.rows += rows;
    if (!m.dirty) {
      m.dirty = true;
      dirtyMetrics.push(m);
    }
  };
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const loadTimeoutMs = opts.loadTimeoutMs ?? 60_000;
  const cacheSize = opts.cacheSize ?? 8;
  if (!Number.isInteger(cacheSize) || cacheSize < 1)
    throw new RangeError(`cacheSize must be >= 1, got ${cacheSize}`);

  const observed = (label: string, kind: "single" | "batch"): ObservedMetrics => ({
    latency: metrics.latency.labels({ model: label, kind }),
    okCounter: metrics.inferences.labels({ model: label, outcome: "ok" }),
    rowsCounter: metrics.rows.labels({ model: label }),
    ok: 0,
    rows: 0,
    dirty: false,
  });

  // Manifests are tiny; sessions are the expensive part, so only they go through the LRU.
  const manifests = new Map<string, ModelManifest>();
  const aliases = new Map<string, string>();
  const sessions = new Map<string, SessionEntry>();
  const loading = new Map<string, Promise<SessionEntry>>();
  // What a model reference (without a stage) resolved to last time, so the hot path needs neither the
  // alias lookup nor a key string per call. Cleared when aliases change; evicted entries are skipped.
  const resolved = new Map<string, SessionEntry>();
  // The entry last moved to the LRU's newest end: repeated calls to one model skip the move.
  let newest: SessionEntry | undefined;
  const manifestLoading = new Map<string, Promise<{ cid: string; manifest: ModelManifest }>>();
  let closed = false;

  // Evicted sessions that still had runs or queued requests: released after their last hold, or by
  // close if that comes first.
  const retiring = new Set<SessionEntry>();
  const releaseNow = (entry: SessionEntry): Promise<void> => {
    if (!entry.released) {
      retiring.delete(entry);
      entry.released = entry.session
        .release()
        .catch((err: unknown) => log.warn({ err: String(err) }, "releasing a session failed"));
    }
    return entry.released;
  };
  const release = (entry: SessionEntry): void => {
    void releaseNow(entry);
  };
  const evictStalest = (): void => {
    while (sessions.size > cacheSize) {
      const oldest = sessions.keys().next();
      if (oldest.done) return;
      const entry = sessions.get(oldest.value) as SessionEntry;
      sessions.delete(oldest.value);
      entry.evicted = true;
      log.debug({ model: entry.info.label }, "session evicted");
      if (entry.inflight === 0) release(entry);
      else retiring.add(entry);
    }
    metrics.sessions.set(sessions.size);
  };

  /** A whole UnixFS file (or raw block), each block checked against its CID on arrival. */
  const fetchVerified = async (cid: CID): Promise<Uint8Array> => {
    try {
      const bytes = await assembleFile(cid, (c) => runOrThrow(modules.source.getBlock(c)));
      metrics.fetchedBytes.inc(bytes.length);
      return bytes;
    } catch (err) {
      if (isContentIdError(err)) {
        if (err.code === "CID_MISMATCH" || err.code === "MALFORMED_DAG")
          throw new CidMismatch({ cid: cid.toString(), message: err.message });
        throw new UnknownModel({ model: cid.toString(), message: err.message });
      }
      throw err;
    }
  };

  const manifestOf = async (ref: string): Promise<{ cid: string; manifest: ModelManifest }> => {
    const key = aliases.get(ref) ?? ref;
    const known = manifests.get(key);
    if (known) return { cid: key, manifest: known };
    // A burst of requests for a model not seen yet fetches its manifest once.
    const pending = manifestLoading.get(key);
    if (pending) return pending;
    const promise = fetchManifest(ref, key);
    manifestLoading.set(key, promise);
    try {
      return await promise;
    } finally {
      manifestLoading.delete(key);
    }
  };

  const fetchManifest = async (
    ref: string,
    key: string,
  ): Promise<{ cid: string; manifest: ModelManifest }> => {
    let cid: CID;
    try {
      cid = parseCid(key);
    } catch {
      throw new UnknownModel({
        model: ref,
        message: `${JSON.stringify(ref)} is neither a manifest CID nor a loaded model`,
      });
    }
    const bytes = await fetchVerified(cid);
    let manifest: ModelManifest;
    try {
      manifest = parseManifest(JSON.parse(new TextDecoder().decode(bytes)));
    } catch (err) {
      throw new UnknownModel({ model: ref, message: `${key} is not a model manifest: ${String(err)}` });
    }
    // Manifests are small, but a client can name any number of them: keep the newest thousand.
    if (manifests.size >= MAX_MANIFESTS) {
      const oldest = manifests.keys().next();
      if (!oldest.done) manifests.delete(oldest.value);
    }
    manifests.set(cid.toString(), manifest);
    resolved.clear();
    aliases.set(manifest.name, cid.toString());
    aliases.set(`${manifest.name}@${manifest.version}`, cid.toString());
    return { cid: cid.toString(), manifest };
  };

  const openSession = async (ref: ModelRef): Promise<SessionEntry> => {
    const { cid: manifestCid, manifest } = await manifestOf(ref.model);
    let fileCid = manifest.model.cid;
    let inputs = manifest.inputs;
    let outputs = manifest.outputs;
    if (ref.stage !== undefined) {
      const stage = manifest.stages?.find((s) => s.name === ref.stage);
      if (!stage) {
        throw new UnknownModel({
          model: ref.model,
          message: `${manifest.name} has no stage ${JSON.stringify(ref.stage)} (stages: ${(manifest.stages ?? []).map((s) => s.name).join(", ") || "none"})`,
        });
      }
      fileCid = stage.cid;
      inputs = stage.inputs;
      outputs = stage.outputs;
    }
    const key = `${manifestCid}#${ref.stage ?? ""}`;
    const cached = sessions.get(key);
    if (cached) {
      sessions.delete(key);
      sessions.set(key, cached);
      newest = cached;
      return cached;
    }
    const pending = loading.get(key);
    if (pending) return pending;
    const promise = (async () => {
      const started = performance.now();
      let parsedFileCid: CID;
      try {
        parsedFileCid = parseCid(fileCid);
      } catch {
        throw new UnknownModel({ model: ref.model, message: `manifest names a bad model CID ${fileCid}` });
      }
      const bytes = await fetchVerified(parsedFileCid);
      let session: SessionHandle;
      try {
        session = await runner.open(bytes, { intraOpThreads: opts.intraOpThreads ?? 1 });
      } catch (err) {
        throw new OrtFailure({ message: `onnxruntime cannot open ${fileCid}: ${String(err)}` });
      }
      const label = `${manifest.name}@${manifest.version}${ref.stage ? `/${ref.stage}` : ""}`;
      const info: LoadedModel = {
        model: manifestCid,
        name: manifest.name,
        version: manifest.version,
        ...(ref.stage === undefined ? {} : { stage: ref.stage }),
        modelCid: fileCid,
        inputs,
        outputs,
        manifest,
        label,
      };
      const first = inputs[0];
      const entry: SessionEntry = {
        session,
        info,
        check: compileRequestCheck(inputs, outputs),
        rowsInput: first?.shape[0] === "batch" ? first.name : undefined,
        batchable: inputs.length > 0 && [...inputs, ...outputs].every((t) => t.shape[0] === "batch"),
        fixedRowShape: inputs.every((t) => t.shape.slice(1).every((d) => typeof d === "number")),
        queue: [],
        queuedRows: 0,
        queuedElements: 0,
        flushAt: undefined,
        single: observed(label, "single"),
        batch: observed(label, "batch"),
        joinedRuns: metrics.joinedRuns.labels({ model: label }),
        joinedRequests: metrics.joinedRequests.labels({ model: label }),
        key,
        inflight: 0,
        evicted: false,
        released: undefined,
      };
      if (closed) {
        release(entry);
        throw new OrtFailure({ message: "the engine is closed" });
      }
      sessions.set(key, entry);
      newest = entry;
      evictStalest();
      log.info(
        { model: label, cid: fileCid, bytes: bytes.length, ms: Math.round(performance.now() - started) },
        "model loaded",
      );
      return entry;
    })();
    loading.set(key, promise);
    try {
      const entry = await promise;
      metrics.loads.inc({ outcome: "ok" });
      return entry;
    } catch (err) {
      metrics.loads.inc({ outcome: isInferenceError(err) ? err._tag : "OrtFailure" });
      throw err;
    } finally {
      loading.delete(key);
    }
  };

  const withTimeout = <A>(
    effect: Effect.Effect<A, InferenceError>,
    ms: number,
    operation: string,
  ): Effect.Effect<A, InferenceError> =>
    Effect.timeoutOrElse(effect, {
      duration: ms,
      orElse: () =>
        Effect.fail(new Timeout({ operation, ms, message: `${operation} did not finish within ${ms} ms` })),
    });

  const loadEntry = (ref: ModelRef): Effect.Effect<SessionEntry, InferenceError> =>
    withTimeout(
      Effect.tryPromise({
        try: () => openSession(ref),
        catch: (err) => asInferenceError(err, (message) => new OrtFailure({ message })),
      }),
      loadTimeoutMs,
      `loading ${ref.model}${ref.stage ? `/${ref.stage}` : ""}`,
    );

  // The hot path stays outside Effect: an Effect fiber per step, `Effect.withSpan` and
  // `Effect.timeoutOrElse` each cost more (~12 us) than a whole classifier inference (~7 us), so the
  // per-call plumbing is plain code that the Effect API wraps once. In-process, ORT runs on this
  // thread whatever the engine does, so a request for an open model is answered synchronously, with
  // no promise or event-loop hop (`Effect.suspend` hands back the finished answer); only loads,
  // worker-pool runs and dynamic batches are asynchronous.

  // Worker-pool deadlines share one coarse timer (10 ms granularity) instead of arming a timer per
  // call: setTimeout + clearTimeout cost a few microseconds, a quarter of a small model's inference.
  const pendingDeadlines = new Set<{ readonly at: number; readonly fail: () => void }>();
  let deadlineTimer: NodeJS.Timeout | undefined;
  const sweepDeadlines = (): void => {
    const now = performance.now();
    for (const d of pendingDeadlines) if (d.at <= now) d.fail();
    if (pendingDeadlines.size === 0 && deadlineTimer) {
      clearInterval(deadlineTimer);
      deadlineTimer = undefined;
    }
  };

  /** The declared outputs, each checked to be there with its dtype. */
  const declaredOutputs = (entry: SessionEntry, results: Record<string, Tensor>): Record<string, Tensor> => {
    const outputs: Record<string, Tensor> = {};
    for (const spec of entry.info.outputs) {
      const value = results[spec.name];
      if (!value || value.dtype !== spec.dtype)
        throw new OrtFailure({ message: `${entry.info.label} gave no ${spec.dtype} output ${spec.name}` });
      outputs[spec.name] = value;
    }
    return outputs;
  };

  /** Ends one hold on a session (a run or a queued request); an evicted one is released after its last. */
  const unhold = (entry: SessionEntry): void => {
    entry.inflight--;
    if (entry.evicted && entry.inflight === 0) release(entry);
  };
  const lateError = (entry: SessionEntry, kind: string, ms: number): InferenceError => {
    const operation = `${kind} on ${entry.info.label}`;
    return new Timeout({ operation, ms, message: `${operation} did not finish within ${ms} ms` });
  };
  const ortError = (entry: SessionEntry, err: unknown): InferenceError =>
    new OrtFailure({ message: `onnxruntime failed running ${entry.info.label}: ${String(err)}` });

  /**
   * One ORT run on this thread. Nothing can interrupt it (no timer fires during it), so a run that ends
   * past its deadline is reported as what it is, late.
   */
  const runHere = (
    entry: SessionEntry,
    runSync: (inputs: NamedTensors) => Record<string, Tensor>,
    inputs: NamedTensors,
    started: number,
    ms: number,
    kind: string,
  ): Record<string, Tensor> => {
    entry.inflight++;
    let results: Record<string, Tensor>;
    try {
      results = runSync(inputs);
    } catch (err) {
      throw ortError(entry, err);
    } finally {
      unhold(entry);
    }
    if (performance.now() - started > ms) throw lateError(entry, kind, ms);
    return declaredOutputs(entry, results);
  };

  /**
   * One ORT run off this thread (worker pool) against a deadline that fires during the run: ORT
   * errors become OrtFailure, a run past its deadline Timeout. One promise per run.
   */
  const runWithin = (
    entry: SessionEntry,
    inputs: NamedTensors,
    ms: number,
    kind: string,
  ): Promise<Record<string, Tensor>> =>
    new Promise<Record<string, Tensor>>((resolve, reject) => {
      const settled = (): void => {
        unhold(entry);
        pendingDeadlines.delete(deadline);
      };
      const deadline = {
        at: performance.now() + ms,
        fail: () => {
          pendingDeadlines.delete(deadline);
          reject(lateError(entry, kind, ms));
        },
      };
      const ortFailed = (err: unknown): void => {
        settled();
        reject(ortError(entry, err));
      };
      entry.inflight++;
      let run: Promise<Record<string, Tensor>>;
      try {
        run = entry.session.run(inputs);
      } catch (err) {
        ortFailed(err);
        return;
      }
      pendingDeadlines.add(deadline);
      if (!deadlineTimer) {
        deadlineTimer = setInterval(sweepDeadlines, DEADLINE_SWEEP_MS);
        deadlineTimer.unref();
      }
      run.then((results) => {
        settled();
        if (performance.now() > deadline.at) deadline.fail();
        else {
          try {
            resolve(declaredOutputs(entry, results));
          } catch (err) {
            reject(err);
          }
        }
      }, ortFailed);
    });

  const maxOutputElements = opts.maxOutputElements ?? 2 ** 24;
  const guardSize = (elements: number): void => {
    if (elements > maxOutputElements) {
      throw new MalformedInput({
        message: `the answer would hold ${elements} values, more than the ${maxOutputElements} one request may ask for`,
      });
    }
  };

  /** The open session a reference names, moved to the LRU's newest end; undefined if not open. */
  const openEntry = (ref: ModelRef): SessionEntry | undefined => {
    let entry = ref.stage === undefined ? resolved.get(ref.model) : undefined;
    if (entry === undefined || entry.evicted) {
      entry = sessions.get(`${aliases.get(ref.model) ?? ref.model}#${ref.stage ?? ""}`);
      if (entry === undefined) return undefined;
      if (ref.stage === undefined) {
        // Keys are references that did name an open model, so few; the bound is for safety.
        if (resolved.size >= MAX_MANIFESTS) resolved.clear();
        resolved.set(ref.model, entry);
      }
    }
    if (newest !== entry) {
      sessions.delete(entry.key);
      sessions.set(entry.key, entry);
      newest = entry;
    }
    return entry;
  };

  const rowsOf = (entry: SessionEntry, inputs: NamedTensors): number =>
    entry.rowsInput === undefined ? 1 : (inputs[entry.rowsInput]?.shape[0] ?? 1);

  /** Counts a failure against the model and gives the typed error to answer with. */
  const failed = (entry: SessionEntry, err: unknown): InferenceError => {
    const failure = asInferenceError(err, ortFailure);
    metrics.inferences.inc({ model: entry.info.label, outcome: failure._tag });
    return failure;
  };

  /** A single request's answer: its commitment, latency and counts. */
  const answered = (
    entry: SessionEntry,
    inputs: NamedTensors,
    outputs: Record<string, Tensor>,
    started: number,
  ): InferResult => {
    const commitment = inferenceCommitment(entry.info.modelCid, inputs, outputs);
    const durationMs = performance.now() - started;
    entry.single.latency.observe(durationMs / 1000);
    count(entry.single, rowsOf(entry, inputs));
    return {
      model: entry.info.model,
      label: entry.info.label,
      modelCid: entry.info.modelCid,
      outputs,
      commitment,
      durationMs,
    };
  };

  /** A request on an in-process session, answered before this returns. Throws InferenceErrors. */
  const inferHere = (
    entry: SessionEntry,
    runSync: (inputs: NamedTensors) => Record<string, Tensor>,
    req: InferRequest,
  ): InferResult => {
    const started = performance.now();
    try {
      guardSize(entry.check(req.inputs));
      const outputs = runHere(entry, runSync, req.inputs, started, req.timeoutMs ?? timeoutMs, "inference");
      return answered(entry, req.inputs, outputs, started);
    } catch (err) {
      throw failed(entry, err);
    }
  };

  /** A request on a worker-pool session. */
  const inferAway = async (entry: SessionEntry, req: InferRequest): Promise<InferResult> => {
    const started = performance.now();
    try {
      guardSize(entry.check(req.inputs));
      const outputs = await runWithin(entry, req.inputs, req.timeoutMs ?? timeoutMs, "inference");
      return answered(entry, req.inputs, outputs, started);
    } catch (err) {
      throw failed(entry, err);
    }
  };

  // ---- dynamic batching -------------------------------------------------------------------------
  const batching = opts.dynamicBatching;
  const maxBatchRows = batching?.maxRows ?? 64;
  const maxWaitMs = batching?.maxWaitMs ?? 0;
  if (!Number.isInteger(maxBatchRows) || maxBatchRows < 1)
    throw new RangeError(`dynamicBatching.maxRows must be an integer >= 1, got ${maxBatchRows}`);
  if (!(maxWaitMs >= 0 && maxWaitMs <= 60_000))
    throw new RangeError(`dynamicBatching.maxWaitMs must be in [0, 60000], got ${maxWaitMs}`);
  const cancelFlush = (entry: SessionEntry): void => {
    if (entry.flushAt === undefined) return;
    if (maxWaitMs > 0) clearTimeout(entry.flushAt as NodeJS.Timeout);
    else clearImmediate(entry.flushAt as NodeJS.Immediate);
    entry.flushAt = undefined;
  };

  /** The request's dimensions after the batch axis, as a key: requests with equal keys can be joined. */
  const rowShapeKey = (entry: SessionEntry, inputs: NamedTensors): string => {
    let key = "";
    for (const spec of entry.info.inputs) {
      const shape = inputs[spec.name]?.shape ?? [];
      for (let axis = 1; axis < shape.length; axis++) key += `${shape[axis]},`;
      key += "|";
    }
    return key;
  };

  const joinRows = (entry: SessionEntry, list: readonly NamedTensors[]): NamedTensors => {
    const joined: Record<string, Tensor> = {};
    for (const spec of entry.info.inputs)
      joined[spec.name] = concatBatch(list.map((i) => i[spec.name] as Tensor));
    return joined;
  };

  /** Each request's rows of a joined answer; throws if an output does not have one row per input row. */
  const splitRows = (
    entry: SessionEntry,
    outputs: Record<string, Tensor>,
    rows: readonly number[],
  ): Record<string, Tensor>[] => {
    let total = 0;
    for (const r of rows) total += r;
    const own: Record<string, Tensor>[] = rows.map(() => ({}));
    for (const name in outputs) {
      const got = outputs[name]?.shape[0];
      if (got !== total)
        throw new OrtFailure({
          message: `${entry.info.label} answered ${got} rows of ${name} for ${total} rows in: its batch axis does not map rows to rows`,
        });
      const pieces = splitBatch(outputs[name] as Tensor, rows);
      for (let k = 0; k < rows.length; k++) (own[k] as Record<string, Tensor>)[name] = pieces[k] as Tensor;
    }
    return own;
  };

  /** Runs ORT on whichever thread the runner uses and reports to `done` (synchronously in-process). */
  const runOn = (
    entry: SessionEntry,
    feeds: NamedTensors,
    done: (err: unknown, results: Record<string, Tensor> | undefined) => void,
  ): void => {
    const runSync = entry.session.runSync;
    entry.inflight++;
    if (runSync) {
      let results: Record<string, Tensor>;
      try {
        results = runSync(feeds);
      } catch (err) {
        unhold(entry);
        done(err ?? new Error("onnxruntime failed"), undefined);
        return;
      }
      unhold(entry);
      done(undefined, results);
      return;
    }
    let pending: Promise<Record<string, Tensor>>;
    try {
      pending = entry.session.run(feeds);
    } catch (err) {
      unhold(entry);
      done(err ?? new Error("onnxruntime failed"), undefined);
      return;
    }
    pending.then(
      (results) => {
        unhold(entry);
        done(undefined, results);
      },
      (err: unknown) => {
        unhold(entry);
        done(err ?? new Error("onnxruntime failed"), undefined);
      },
    );
  };

  /** Answers one queued request from its own outputs, against its own deadline. */
  const settle = (entry: SessionEntry, q: Queued, outputs: Record<string, Tensor>): void => {
    unhold(entry);
    if (q.late) return;
    if (performance.now() - q.started > q.timeoutMs) {
      q.reject(failed(entry, lateError(entry, "inference", q.timeoutMs)));
      return;
    }
    let result: InferResult;
    try {
      result = answered(entry, q.inputs, outputs, q.started);
    } catch (err) {
      q.reject(failed(entry, err));
      return;
    }
    q.resolve(result);
  };

  const settleFailure = (entry: SessionEntry, q: Queued, err: unknown): void => {
    unhold(entry);
    if (!q.late) q.reject(failed(entry, err));
  };

  /**
   * On the worker pool a joined run can outlast a member's deadline: each member is answered with
   * Timeout when its own deadline passes (the shared coarse timer), as a lone pool run is, and the
   * run's late result is then dropped for it. Returns the disarm to call when the run ends.
   */
  const armQueuedDeadlines = (entry: SessionEntry, group: readonly Queued[]): (() => void) => {
    const armed = group.map((q) => {
      const deadline = {
        at: q.started + q.timeoutMs,
        fail: () => {
          pendingDeadlines.delete(deadline);
          q.late = true;
          q.reject(failed(entry, lateError(entry, "inference", q.timeoutMs)));
        },
      };
      pendingDeadlines.add(deadline);
      return deadline;
    });
    if (!deadlineTimer) {
      deadlineTimer = setInterval(sweepDeadlines, DEADLINE_SWEEP_MS);
      deadlineTimer.unref();
    }
    return () => {
      for (const d of armed) pendingDeadlines.delete(d);
    };
  };

  /** Queued requests of one row shape as one ORT call (a single one as itself), each answered apart. */
  const runJoined = (entry: SessionEntry, group: readonly Queued[]): void => {
    const first = group[0] as Queued;
    let feeds: NamedTensors;
    try {
      const list = group.map((q) => q.inputs);
      feeds = group.length === 1 ? first.inputs : joinRows(entry, list);
    } catch (err) {
      for (const q of group) settleFailure(entry, q, err);
      return;
    }
    const disarm = entry.session.runSync ? undefined : armQueuedDeadlines(entry, group);
    runOn(entry, feeds, (err, results) => {
      disarm?.();
      if (results === undefined) {
        if (group.length === 1) settleFailure(entry, first, ortError(entry, err));
        // One bad request must not fail its neighbours: each runs alone and gets its own answer.
        else for (const q of group) rerunAlone(entry, q);
        return;
      }
      let outputs: Record<string, Tensor>;
      try {
        outputs = declaredOutputs(entry, results);
      } catch (failure) {
        if (group.length === 1) settleFailure(entry, first, failure);
        else for (const q of group) rerunAlone(entry, q);
        return;
      }
      let own: Record<string, Tensor>[] | undefined;
      try {
        own =
          group.length === 1
            ? undefined
            : splitRows(
                entry,
                outputs,
                group.map((q) => q.rows),
              );
      } catch (failure) {
        // A property of the model, not of these requests: stop joining its requests for good.
        if (entry.batchable) {
          entry.batchable = false;
          log.warn(
            { model: entry.info.label, err: String(failure) },
            "the model's batch axis does not map rows to rows; its requests run one by one",
          );
        }
        for (const q of group) rerunAlone(entry, q);
        return;
      }
      if (own !== undefined) {
        entry.joinedRuns.inc();
        entry.joinedRequests.inc(group.length);
      }
      for (let k = 0; k < group.length; k++)
        settle(entry, group[k] as Queued, own === undefined ? outputs : (own[k] as Record<string, Tensor>));
    });
  };

  /** A member of a failed joined run, run alone (unless its deadline already answered it). */
  const rerunAlone = (entry: SessionEntry, q: Queued): void => {
    if (q.late) unhold(entry);
    else runJoined(entry, [q]);
  };

  const flush = (entry: SessionEntry): void => {
    cancelFlush(entry);
    const queue = entry.queue;
    entry.queue = [];
    entry.queuedRows = 0;
    entry.queuedElements = 0;
    if (queue.length === 0) return;
    if (queue.length === 1 || entry.fixedRowShape) {
      runJoined(entry, queue);
      return;
    }
    // Requests with other free dimensions (say, another sequence length) cannot share a tensor.
    const groups = new Map<string, Queued[]>();
    for (const q of queue) {
      const key = rowShapeKey(entry, q.inputs);
      const group = groups.get(key);
      if (group) group.push(q);
      else groups.set(key, [q]);
    }
    for (const group of groups.values()) runJoined(entry, group);
  };

  /** Checks a request and queues it for the model's next joined run; a full batch runs at once. */
  const enqueue = (
    entry: SessionEntry,
    req: InferRequest,
    resolve: (result: InferResult) => void,
    reject: (err: InferenceError) => void,
  ): void => {
    const started = performance.now();
    let elements: number;
    try {
      elements = entry.check(req.inputs);
      guardSize(elements);
    } catch (err) {
      reject(failed(entry, err));
      return;
    }
    const rows = rowsOf(entry, req.inputs);
    if (
      entry.queue.length > 0 &&
      (entry.queuedRows + rows > maxBatchRows || entry.queuedElements + elements > maxOutputElements)
    )
      flush(entry);
    entry.inflight++; // a queued request keeps its session open
    entry.queue.push({
      inputs: req.inputs,
      rows,
      started,
      timeoutMs: req.timeoutMs ?? timeoutMs,
      resolve,
      reject,
    });
    entry.queuedRows += rows;
    entry.queuedElements += elements;
    if (entry.queuedRows >= maxBatchRows) flush(entry);
    else if (entry.flushAt === undefined)
      entry.flushAt = maxWaitMs > 0 ? setTimeout(flush, maxWaitMs, entry) : setImmediate(flush, entry);
  };

  // ---- requests ---------------------------------------------------------------------------------
  const loadFor = async (ref: ModelRef): Promise<SessionEntry> => {
    try {
      return await runOrThrow(loadEntry(ref));
    } catch (err) {
      metrics.inferences.inc({ model: "unloaded", outcome: asInferenceError(err, ortFailure)._tag });
      throw err;
    }
  };

  /**
   * The road a request for an open model takes: joined with others (dynamic batching), run on this
   * thread (in-process sessions, which have `runSync`), or run away from it (worker pool). `dispatch`
   * and the Effect API's synchronous fast path (`infer`) both route by it.
   */
  const roadOf = (entry: SessionEntry): "queue" | "here" | "away" =>
    batching !== undefined && entry.batchable ? "queue" : entry.session.runSync ? "here" : "away";
  const runSyncOf = (entry: SessionEntry): NonNullable<SessionHandle["runSync"]> =>
    entry.session.runSync as NonNullable<SessionHandle["runSync"]>;

  /** A request for an open model, by its road. */
  const dispatch = (entry: SessionEntry, req: InferRequest): InferResult | Promise<InferResult> => {
    const road = roadOf(entry);
    if (road === "queue")
      return new Promise<InferResult>((resolve, reject) => enqueue(entry, req, resolve, reject));
    return road === "here" ? inferHere(entry, runSyncOf(entry), req) : inferAway(entry, req);
  };

  const inferAsync = async (req: InferRequest): Promise<InferResult> =>
    dispatch(openEntry(req) ?? (await loadFor(req)), req);

  const inferBatchAsync = async (
    ref: ModelRef,
    inputsList: readonly NamedTensors[],
    batchOpts: { readonly timeoutMs?: number },
  ): Promise<InferResult[]> => {
    if (inputsList.length === 0) return [];
    const entry = openEntry(ref) ?? (await loadFor(ref));
    const started = performance.now();
    try {
      let answerSize = 0;
      for (const inputs of inputsList) answerSize += entry.check(inputs);
      guardSize(answerSize);
      const firstKey = rowShapeKey(entry, inputsList[0] as NamedTensors);
      if (!entry.batchable || !inputsList.every((i) => rowShapeKey(entry, i) === firstKey)) {
        return await Promise.all(inputsList.map((inputs) => inferAsync({ ...ref, inputs, ...batchOpts })));
      }
      const rows = inputsList.map((i) => rowsOf(entry, i));
      const joined = joinRows(entry, inputsList);
      const ms = batchOpts.timeoutMs ?? timeoutMs;
      const runSync = entry.session.runSync;
      const outputs = runSync
        ? runHere(entry, runSync, joined, started, ms, "batch inference")
        : await runWithin(entry, joined, ms, "batch inference");
      const own = splitRows(entry, outputs, rows);
      const results = inputsList.map((inputs, k) => ({
        model: entry.info.model,
        label: entry.info.label,
        modelCid: entry.info.modelCid,
        outputs: own[k] as Record<string, Tensor>,
        commitment: inferenceCommitment(entry.info.modelCid, inputs, own[k] as Record<string, Tensor>),
        durationMs: 0,
      }));
      const durationMs = performance.now() - started;
      for (const r of results) (r as { durationMs: number }).durationMs = durationMs;
      entry.batch.latency.observe(durationMs / 1000);
      count(
        entry.batch,
        rows.reduce((a, b) => a + b, 0),
      );
      return results;
    } catch (err) {
      throw failed(entry, err);
    }
  };

  const infer = (req: InferRequest): Effect.Effect<InferResult, InferenceError> => {
    const effect = Effect.suspend((): Effect.Effect<InferResult, InferenceError> => {
      // An open model's request is answered without a promise where its road allows (dispatch's
      // routing, minus the Promise): the per-call plumbing costs more than a small model's run.
      const entry = openEntry(req);
      const road = entry === undefined ? undefined : roadOf(entry);
      if (entry !== undefined && road === "queue")
        // An interrupted caller's request still runs with its batch and its answer is dropped: taking
        // it out of the queue would cost an abort listener on every request.
        return Effect.callback<InferResult, InferenceError>((resume) => {
          enqueue(
            entry,
            req,
            (result) => resume(Effect.succeed(result)),
            (err) => resume(Effect.fail(err)),
          );
        });
      if (entry !== undefined && road === "here") {
        try {
          return Effect.succeed(inferHere(entry, runSyncOf(entry), req));
        } catch (err) {
          return Effect.fail(asInferenceError(err, ortFailure));
        }
      }
      return Effect.tryPromise({
        try: () => inferAsync(req),
        catch: (err) => asInferenceError(err, ortFailure),
      });
    });
    return opts.traceInferences
      ? effect.pipe(
          Effect.withSpan("InferenceEngine.infer", {
            attributes: { model: req.model, stage: req.stage ?? "" },
          }),
        )
      : effect;
  };

  const inferBatch = (
    ref: ModelRef,
    inputsList: readonly NamedTensors[],
    batchOpts: { readonly timeoutMs?: number } = {},
  ): Effect.Effect<InferResult[], InferenceError> =>
    Effect.tryPromise({
      try: () => inferBatchAsync(ref, inputsList, batchOpts),
      catch: (err) => asInferenceError(err, ortFailure),
    }).pipe(
      Effect.withSpan("InferenceEngine.inferBatch", {
        attributes: { model: ref.model, size: inputsList.length },
      }),
    );

  return {
    load: (ref) =>
      loadEntry(ref).pipe(
        Effect.map((e) => e.info),
        Effect.withSpan("InferenceEngine.load"),
      ),
    infer,
    inferBatch,
    loaded: () => [...sessions.values()].map((e) => e.info),
    close: () =>
      Effect.promise(async () => {
        closed = true;
        if (deadlineTimer) clearInterval(deadlineTimer);
        deadlineTimer = undefined;
        await Promise.allSettled([...loading.values()]);
        const entries = [...sessions.values(), ...retiring];
        for (const entry of entries) {
          cancelFlush(entry);
          const queue = entry.queue;
          entry.queue = [];
          for (const q of queue) settleFailure(entry, q, new OrtFailure({ message: "the engine is closed" }));
        }
        sessions.clear();
        resolved.clear();
        newest = undefined;
        metrics.sessions.set(0);
        await Promise.all(entries.map(releaseNow));
        await runner.close();
      }),
  };
}

/** The live layer: the engine over whatever ModelSource is provided, closed with its scope. */
export function inferenceEngineLayer(
  opts: InferenceEngineOpts,
  modules: Omit<InferenceEngineModules, "source"> = {},
): Layer.Layer<InferenceEngine, never, ModelSource> {
  return Layer.effect(
    InferenceEngine,
    Effect.gen(function* () {
      const source = yield* ModelSource;
      return yield* Effect.acquireRelease(
        Effect.sync(() => createInferenceEngine(opts, { ...modules, source })),
        (engine) => engine.close(),
      );
    }),
  );
}
