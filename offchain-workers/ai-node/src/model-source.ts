// Where model bytes come from: a DA provider's trustless gateway (live) or a map of blocks (tests).
// A source is not trusted: the engine checks every block it returns against the CID it asked for.
import { blocksOf, type CID } from "@darwin/content-id";
import { CarBlockIterator } from "@ipld/car";
import { Context, Effect, Layer, Schedule } from "effect";
import { SourceFailure, Timeout, UnknownModel } from "./errors.ts";

export interface ModelSourceShape {
  /** The bytes of one IPLD block (raw leaf or dag-pb node), as the source holds them. */
  readonly getBlock: (cid: CID) => Effect.Effect<Uint8Array, UnknownModel | SourceFailure | Timeout>;
  /** For logs and /health. */
  readonly describe: string;
}

export class ModelSource extends Context.Service<ModelSource, ModelSourceShape>()(
  "@darwin/ai-node/ModelSource",
) {}

export interface GatewaySourceOpts {
  /** Base URL of a trustless gateway, e.g. `http://127.0.0.1:8080` (a `darwin-da serve`). */
  readonly gatewayUrl: string;
  readonly requestTimeoutMs?: number;
  /** Retries of transient failures (network errors, 5xx), with exponential backoff from 50 ms. */
  readonly retries?: number;
  /**
   * `raw` (default): one request per block. `car`: one `?format=car` request per file, whose blocks
   * are held until the engine asks for them (and checks them): far fewer round trips for big models.
   */
  readonly format?: "raw" | "car";
}

/** Blocks from CAR responses not yet handed out are kept up to this many bytes. */
const CAR_CACHE_BYTES = 512 * 1024 * 1024;

/**
 * Fetches blocks with `GET /ipfs/{cid}?format=raw` (`Accept: application/vnd.ipld.raw`), the
 * trustless-gateway form that returns exactly one block, so every byte can be checked by its CID.
 */
export function gatewayModelSource(opts: GatewaySourceOpts): ModelSourceShape {
  const base = opts.gatewayUrl.replace(/\/+$/, "");
  const timeoutMs = opts.requestTimeoutMs ?? 10_000;
  const format = opts.format ?? "raw";
  const carBlocks = new Map<string, Uint8Array>();
  let carBytes = 0;
  const takeCached = (key: string): Uint8Array | undefined => {
    const bytes = carBlocks.get(key);
    if (bytes !== undefined) {
      carBlocks.delete(key);
      carBytes -= bytes.length;
    }
    return bytes;
  };
  const keepBlocks = async (key: string, car: Uint8Array): Promise<Uint8Array> => {
    let root: Uint8Array | undefined;
    try {
      for await (const block of await CarBlockIterator.fromBytes(car)) {
        const blockKey = block.cid.toString();
        if (blockKey === key) {
          root = block.bytes;
          continue;
        }
        if (carBytes + block.bytes.length > CAR_CACHE_BYTES) {
          carBlocks.clear();
          carBytes = 0;
        }
        if (!carBlocks.has(blockKey)) {
          carBlocks.set(blockKey, block.bytes);
          carBytes += block.bytes.length;
        }
      }
    } catch (err) {
      throw new SourceFailure({
        cid: key,
        message: `the CAR for ${key} from ${base} is malformed: ${String(err)}`,
      });
    }
    if (root === undefined)
      throw new SourceFailure({ cid: key, message: `the CAR for ${key} lacks its root block` });
    return root;
  };
  const fetchOnce = (cid: CID): Effect.Effect<Uint8Array, UnknownModel | SourceFailure | Timeout> => {
    const key = cid.toString();
    return Effect.tryPromise({
      try: async (signal) => {
        if (format === "car") {
          const cached = takeCached(key);
          if (cached !== undefined) return cached;
        }
        const res = await fetch(`${base}/ipfs/${key}?format=${format}`, {
          headers: { accept: format === "car" ? "application/vnd.ipld.car" : "application/vnd.ipld.raw" },
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        });
        if (res.status === 404 || res.status === 410) {
          await res.body?.cancel();
          throw new UnknownModel({ model: key, message: `the DA provider at ${base} does not hold ${key}` });
        }
        if (!res.ok) {
          const text = (await res.text()).slice(0, 200);
          throw new SourceFailure({
            cid: key,
            message: `GET ${key} from ${base}: HTTP ${res.status} ${text}`,
          });
        }
        const body = new Uint8Array(await res.arrayBuffer());
        return format === "car" ? keepBlocks(key, body) : body;
      },
      catch: (err) => {
        if (err instanceof UnknownModel || err instanceof SourceFailure) return err;
        if (err instanceof Error && err.name === "TimeoutError")
          return new Timeout({
            operation: `fetch ${key}`,
            ms: timeoutMs,
            message: `fetching ${key} took over ${timeoutMs} ms`,
          });
        return new SourceFailure({ cid: key, message: `GET ${key} from ${base}: ${String(err)}` });
      },
    });
  };
  return {
    describe: `gateway ${base} (${format})`,
    getBlock: (cid) =>
      fetchOnce(cid).pipe(
        Effect.retry({
          schedule: Schedule.exponential("50 millis"),
          times: opts.retries ?? 3,
          while: (err) => err._tag === "SourceFailure",
        }),
        Effect.withSpan("ModelSource.getBlock", { attributes: { cid: cid.toString() } }),
      ),
  };
}

export function gatewayModelSourceLayer(opts: GatewaySourceOpts): Layer.Layer<ModelSource> {
  return Layer.succeed(ModelSource, gatewayModelSource(opts));
}

/** An in-memory block map; `put` imports whole files the way a DA provider would chunk them. */
export interface MemoryModelSource extends ModelSourceShape {
  readonly blocks: Map<string, Uint8Array>;
  /** Chunks `bytes` like `ipfs add --cid-version=1` and stores every block; resolves with the root CID. */
  put(bytes: Uint8Array, opts?: { readonly chunkSize?: number }): Promise<string>;
}

export function memoryModelSource(): MemoryModelSource {
  const blocks = new Map<string, Uint8Array>();
  return {
    blocks,
    describe: "memory",
    async put(bytes, opts = {}) {
      let root = "";
      for await (const block of blocksOf(
        bytes,
        opts.chunkSize === undefined ? {} : { chunkSize: opts.chunkSize },
      )) {
        root = block.cid.toString();
        blocks.set(root, block.bytes);
      }
      return root;
    },
    getBlock: (cid) =>
      Effect.suspend(() => {
        const bytes = blocks.get(cid.toString());
        return bytes === undefined
          ? Effect.fail(
              new UnknownModel({ model: cid.toString(), message: `no block ${cid.toString()} in memory` }),
            )
          : Effect.succeed(bytes);
      }),
  };
}

export function memoryModelSourceLayer(source: MemoryModelSource): Layer.Layer<ModelSource> {
  return Layer.succeed(ModelSource, source);
}
