// Where ORT sessions run. onnxruntime-node runs a session synchronously on the calling thread (its
// public `InferenceSession.run` only defers the native call to a `setImmediate`), so the in-process
// runner (the default: cheapest per call) blocks the event loop for the length of each run; the
// worker-pool runner moves sessions to worker threads, so long runs neither stall other requests nor
// escape their deadlines, and several runs use several cores.
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import type { NamedTensors, Tensor } from "./tensor.ts";

export interface SessionOptions {
  readonly intraOpThreads: number;
}

/** One opened model. `run` takes checked inputs and returns every output by name. */
export interface SessionHandle {
  run(inputs: NamedTensors): Promise<Record<string, Tensor>>;
  /**
   * The same run, answered on the calling thread without a promise, where the runner can (in-process
   * sessions). The engine prefers it: a run on this thread blocks it either way, and skipping the
   * promise and event-loop hop is most of what a small model's call costs beyond ORT itself.
   */
  readonly runSync?: (inputs: NamedTensors) => Record<string, Tensor>;
  release(): Promise<void>;
}

export interface SessionRunner {
  readonly describe: string;
  open(bytes: Uint8Array, opts: SessionOptions): Promise<SessionHandle>;
  close(): Promise<void>;
}

const ORT_DTYPE: Record<string, Tensor["dtype"] | undefined> = { float32: "float32", int64: "int64" };

function ortSessionOptions(opts: SessionOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ["cpu"],
    intraOpNumThreads: opts.intraOpThreads,
    interOpNumThreads: 1,
    logSeverityLevel: 4,
  };
}

function toOrtFeeds(inputs: NamedTensors): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name in inputs) {
    const t = inputs[name] as Tensor;
    feeds[name] = new ort.Tensor(t.dtype, t.data, [...t.shape]);
  }
  return feeds;
}

function fromOrtResults(results: Readonly<Record<string, ort.OnnxValue>>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const name in results) {
    const value = results[name] as ort.Tensor;
    const dtype = ORT_DTYPE[value.type];
    if (!dtype) throw new Error(`output ${name} has dtype ${value.type}, which the engine does not carry`);
    // ORT's dims are already a fresh array of numbers: no copy.
    out[name] = { dtype, shape: value.dims, data: value.data as Float32Array | BigInt64Array };
  }
  return out;
}

/** The native session object onnxruntime-node's public API wraps (`dist/binding.d.ts`). */
interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  readonly outputMetadata: readonly { readonly name: string }[];
  run(
    feeds: Record<string, NativeFeed>,
    fetches: Record<string, null>,
    options: object,
  ): Record<string, ort.Tensor>;
  dispose(): void;
}

/** What the native run reads from a feed: a CPU tensor's type, dims and values. */
interface NativeFeed {
  readonly type: Tensor["dtype"];
  readonly dims: readonly number[];
  readonly data: Tensor["data"];
  readonly location: "cpu";
}

interface NativeBinding {
  readonly binding: { readonly InferenceSession: new () => NativeSession };
  readonly initOrt: () => void;
}

/**
 * onnxruntime-node's native binding, the layer under `InferenceSession`. Its public `run` is this
 * binding's synchronous `run` behind a `setImmediate`, argument checks and a Tensor re-wrap of each
 * output: ~3.5 us a call here, a third of a small classifier's whole inference. The engine validates
 * its own inputs first, so it calls the binding directly. `undefined` when this onnxruntime-node has
 * no such binding (the runner then uses the public API).
 */
function nativeBinding(): NativeBinding | undefined {
  try {
    const loaded = createRequire(import.meta.url)(
      "onnxruntime-node/dist/binding.js",
    ) as Partial<NativeBinding>;
    if (typeof loaded.initOrt !== "function" || typeof loaded.binding?.InferenceSession !== "function")
      return undefined;
    return loaded as NativeBinding;
  } catch {
    return undefined;
  }
}

const NO_RUN_OPTIONS = {};

function nativeSession(native: NativeBinding, bytes: Uint8Array, opts: SessionOptions): SessionHandle {
  native.initOrt();
  const session = new native.binding.InferenceSession();
  session.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, ortSessionOptions(opts));
  // Every declared output, asked for by name, in one object built once.
  const fetches: Record<string, null> = {};
  for (const meta of session.outputMetadata) fetches[meta.name] = null;
  let released = false;
  const runSync = (inputs: NamedTensors): Record<string, Tensor> => {
    if (released) throw new Error("the session is released");
    const feeds: Record<string, NativeFeed> = {};
    for (const name in inputs) {
      const t = inputs[name] as Tensor;
      feeds[name] = { type: t.dtype, dims: t.shape, data: t.data, location: "cpu" };
    }
    return fromOrtResults(session.run(feeds, fetches, NO_RUN_OPTIONS));
  };
  return {
    runSync,
    run: async (inputs) => runSync(inputs),
    release: async () => {
      if (released) return;
      released = true;
      session.dispose();
    },
  };
}

export interface InProcessRunnerOpts {
  /**
   * Call onnxruntime-node's native binding directly (default, when it is there) rather than its
   * public `InferenceSession`: same native code, same answers, without the public API's event-loop
   * hop and argument re-checks. `false` keeps to the public API.
   */
  readonly nativeBinding?: boolean;
}

/** Sessions on the calling thread. */
export function inProcessRunner(runnerOpts: InProcessRunnerOpts = {}): SessionRunner {
  const native = runnerOpts.nativeBinding === false ? undefined : nativeBinding();
  return {
    describe: native ? "in-process" : "in-process (public API)",
    async open(bytes, opts) {
      if (native) return nativeSession(native, bytes, opts);
      const session = await ort.InferenceSession.create(bytes, ortSessionOptions(opts));
      return {
        run: async (inputs) => fromOrtResults(await session.run(toOrtFeeds(inputs))),
        release: () => session.release(),
      };
    },
    close: async () => {},
  };
}

// ---------------------------------------------------------------------------------------------------
// Worker pool. Every worker opens every model (so any worker can serve any request); a run goes to
// the worker with the fewest runs in flight. Input values are copied into the message (callers keep
// their tensors); outputs are transferred back without a copy.
// ---------------------------------------------------------------------------------------------------

interface WireTensor {
  readonly name: string;
  readonly dtype: Tensor["dtype"];
  readonly shape: readonly number[];
  readonly buffer: ArrayBuffer;
}

type Request =
  | {
      readonly op: "open";
      readonly id: number;
      readonly key: number;
      readonly bytes: Uint8Array;
      readonly opts: SessionOptions;
    }
  | { readonly op: "run"; readonly id: number; readonly key: number; readonly inputs: readonly WireTensor[] }
  | { readonly op: "release"; readonly id: number; readonly key: number };

type Reply =
  | { readonly id: number; readonly ok: true; readonly outputs?: readonly WireTensor[] }
  | { readonly id: number; readonly ok: false; readonly message: string };

/** The body of each worker thread (plain JS, so the worker needs no TypeScript loader). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ort = require(workerData.ortPath);
const sessions = new Map();
const ARRAYS = { float32: Float32Array, int64: BigInt64Array };
parentPort.on("message", async (msg) => {
  try {
    if (msg.op === "open") {
      sessions.set(msg.key, await ort.InferenceSession.create(msg.bytes, {
        executionProviders: ["cpu"], intraOpNumThreads: msg.opts.intraOpThreads, interOpNumThreads: 1, logSeverityLevel: 4,
      }));
      parentPort.postMessage({ id: msg.id, ok: true });
    } else if (msg.op === "release") {
      const s = sessions.get(msg.key);
      sessions.delete(msg.key);
      if (s) await s.release();
      parentPort.postMessage({ id: msg.id, ok: true });
    } else {
      const session = sessions.get(msg.key);
      if (!session) throw new Error("no session " + msg.key + " in this worker");
      const feeds = {};
      for (const t of msg.inputs) feeds[t.name] = new ort.Tensor(t.dtype, new ARRAYS[t.dtype](t.buffer), t.shape);
      const results = await session.run(feeds);
      const outputs = [];
      const transfer = [];
      for (const name of Object.keys(results)) {
        const v = results[name];
        const data = v.data;
        const buffer = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : data.slice().buffer;
        outputs.push({ name, dtype: v.type, shape: v.dims.map(Number), buffer });
        transfer.push(buffer);
      }
      parentPort.postMessage({ id: msg.id, ok: true, outputs }, transfer);
    }
  } catch (err) {
    parentPort.postMessage({ id: msg.id, ok: false, message: String(err && err.message ? err.message : err) });
  }
});
`;

interface PoolWorker {
  readonly worker: Worker;
  inflight: number;
  dead: Error | undefined;
}

export interface WorkerPoolOpts {
  /** Worker threads; default: available cores minus one, at least one. */
  readonly workers?: number;
}

export function workerPoolRunner(opts: WorkerPoolOpts = {}): SessionRunner {
  const size = opts.workers ?? Math.max(1, availableParallelism() - 1);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`workers must be >= 1, got ${size}`);
  const ortPath = import.meta.resolve("onnxruntime-node");
  const pending = new Map<number, { resolve: (r: Reply) => void; worker: PoolWorker }>();
  let nextId = 1;
  let nextKey = 1;
  const pool: PoolWorker[] = Array.from({ length: size }, () => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ortPath: new URL(ortPath).pathname },
    });
    const entry: PoolWorker = { worker, inflight: 0, dead: undefined };
    worker.unref();
    worker.on("message", (reply: Reply) => {
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      waiter.resolve(reply);
    });
    const die = (err: Error) => {
      entry.dead = err;
      for (const [id, waiter] of pending) {
        if (waiter.worker !== entry) continue;
        pending.delete(id);
        waiter.resolve({ id, ok: false, message: `worker thread died: ${err.message}` });
      }
    };
    worker.on("error", die);
    worker.on("exit", (code) => die(new Error(`worker exited with code ${code}`)));
    return entry;
  });

  const call = async (
    w: PoolWorker,
    msg: Request,
    transfer: ArrayBuffer[] = [],
  ): Promise<Reply & { ok: true }> => {
    if (w.dead) throw new Error(`worker thread is gone: ${w.dead.message}`);
    w.inflight++;
    try {
      const reply = await new Promise<Reply>((resolve) => {
        pending.set(msg.id, { resolve, worker: w });
        w.worker.postMessage(msg, transfer);
      });
      if (!reply.ok) throw new Error(reply.message);
      return reply;
    } finally {
      w.inflight--;
    }
  };

  return {
    describe: `${size} worker thread${size === 1 ? "" : "s"}`,
    async open(bytes, sessionOpts) {
      const key = nextKey++;
      const opened = await Promise.allSettled(
        pool.map((w) => call(w, { op: "open", id: nextId++, key, bytes, opts: sessionOpts })),
      );
      const failed = opened.find((r) => r.status === "rejected");
      if (failed) {
        // Workers that did open it must not keep a session nobody can reach.
        await Promise.allSettled(pool.map((w) => call(w, { op: "release", id: nextId++, key })));
        throw failed.reason;
      }
      return {
        async run(inputs) {
          const live = pool.filter((w) => !w.dead);
          if (live.length === 0) throw new Error("every worker thread is gone");
          const w = live.reduce((best, x) => (x.inflight < best.inflight ? x : best));
          const wire: WireTensor[] = [];
          const transfer: ArrayBuffer[] = [];
          for (const name in inputs) {
            const t = inputs[name] as Tensor;
            const buffer = t.data.slice().buffer as ArrayBuffer;
            wire.push({ name, dtype: t.dtype, shape: t.shape, buffer });
            transfer.push(buffer);
          }
          const reply = await call(w, { op: "run", id: nextId++, key, inputs: wire }, transfer);
          const out: Record<string, Tensor> = {};
          for (const t of reply.outputs ?? []) {
            const dtype = ORT_DTYPE[t.dtype];
            if (!dtype)
              throw new Error(`output ${t.name} has dtype ${t.dtype}, which the engine does not carry`);
            out[t.name] = {
              dtype,
              shape: t.shape,
              data: dtype === "float32" ? new Float32Array(t.buffer) : new BigInt64Array(t.buffer),
            };
          }
          return out;
        },
        async release() {
          await Promise.allSettled(
            pool.filter((w) => !w.dead).map((w) => call(w, { op: "release", id: nextId++, key })),
          );
        },
      };
    },
    async close() {
      await Promise.allSettled(pool.map((w) => w.worker.terminate()));
    },
  };
}
