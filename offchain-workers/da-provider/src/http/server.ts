// The provider's HTTP face: a trustless gateway (IPFS HTTP Gateway spec, the `?format=raw|car`
// subset) for anyone, and a small signed API for owners. Routes:
//
//   GET|HEAD /ipfs/{cid}?format=raw      one block (application/vnd.ipld.raw), byte ranges
//   GET|HEAD /ipfs/{cid}?format=car      the DAG as a CARv1 in Kubo `dag export` order
//   GET|HEAD /ipfs/{cid}                 the file's content, reassembled and verified, byte ranges
//   POST /api/v0/add                     body = file bytes; signed action "add" for the file's CID
//   POST /api/v0/dag/import              body = CARv1; signed action "import-car" for its root
//   POST /api/v0/pin/add?arg={cid}[&from={peer}]  signed "pin"; pulls from a peer if not held here
//   POST /api/v0/pin/rm?arg={cid}        signed "unpin"
//   GET  /api/v0/pin/ls?owner={address}  an owner's pins and quota
//   POST /api/v0/repo/gc                 garbage collection (loopback callers only)
//   GET  /metrics, GET /health
//
// Signed requests carry x-darwin-owner, x-darwin-cid, x-darwin-timestamp, x-darwin-nonce and
// x-darwin-signature (EIP-191 personal_sign over `requestMessage`, see auth/signature.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ContentIdError, contentSizeOf, parseCid } from "@darwin/content-id";
import type { Logger, Registry } from "@darwin/observability";
import type { CID } from "multiformats/cid";
import type { DaAction } from "../auth/signature.ts";
import { requestFromHeaders, verifyRequest } from "../auth/verify.ts";
import { DaError, daError, isDaError } from "../errors.ts";
import type { DaMetrics } from "../metrics.ts";
import type { PullOpts } from "../replication/pull.ts";
import type { CarImportResult, DaRepo } from "../store/repo.ts";

export interface GatewayOpts {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Largest request body accepted, whatever the quota (default 1 GiB). */
  readonly maxBodyBytes?: number;
  readonly maxSkewSeconds?: number;
  /** Peers tried, in order, when a pin names content not held here and no `from` is given. */
  readonly peers?: readonly string[];
}

export interface GatewayModules {
  readonly repo: DaRepo;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: DaMetrics;
  /** Pulls a DAG from a peer (with retries); the replication service provides it. */
  readonly pull: (opts: PullOpts) => Promise<CarImportResult>;
}

export interface RunningGateway {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

const IMMUTABLE = "public, max-age=29030400, immutable";
const EXPOSED_HEADERS = "content-length, content-range, etag, x-ipfs-path, x-ipfs-roots";
const ALLOWED_HEADERS =
  "content-type, range, if-none-match, x-darwin-owner, x-darwin-cid, x-darwin-timestamp, x-darwin-nonce, x-darwin-signature";
const RAW_TYPE = "application/vnd.ipld.raw";
const CAR_TYPE = "application/vnd.ipld.car";

export async function startGateway(opts: GatewayOpts, modules: GatewayModules): Promise<RunningGateway> {
  const logger = modules.logger.child({ module: "da/http" });
  const handler = createHandler(opts, { ...modules, logger });
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      logger.error({ err }, "unhandled request failure");
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : opts.port;
  const url = `http://${opts.host}:${port}`;
  logger.info({ url }, "gateway listening");
  return {
    port,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function createHandler(opts: GatewayOpts, modules: GatewayModules): Handler {
  const { repo, metrics, logger } = modules;
  const maxBodyBytes = opts.maxBodyBytes ?? 2 ** 30;
  const verifyOpts = opts.maxSkewSeconds === undefined ? {} : { maxSkewSeconds: opts.maxSkewSeconds };

  const authorise = (req: IncomingMessage, action: DaAction): { owner: string; cid: CID } => {
    const request = requestFromHeaders(action, (name) => headerValue(req, name));
    const cid = toCid(request.cid);
    const owner = verifyRequest(request, repo.nonces, verifyOpts);
    return { owner, cid };
  };

  /** Refuses a body that announces more bytes than may be accepted, before reading any of it. */
  const checkAnnouncedLength = (req: IncomingMessage, owner: string): void => {
    const announced = Number(req.headers["content-length"] ?? Number.NaN);
    if (!Number.isFinite(announced)) return;
    const remaining = repo.remainingQuota(owner);
    if (announced > remaining) {
      throw daError(
        "QUOTA_EXCEEDED",
        `upload of ${announced} bytes exceeds the ${remaining} bytes ${owner} has left of ${repo.quotaOf(owner)}`,
      );
    }
    if (announced > maxBodyBytes)
      throw daError("PAYLOAD_TOO_LARGE", `upload of ${announced} bytes exceeds ${maxBodyBytes}`);
  };

  const routes: Array<{ method: string[]; match: (path: string) => boolean; name: string; run: Handler }> = [
    {
      name: "ipfs",
      method: ["GET", "HEAD"],
      match: (p) => p.startsWith("/ipfs/"),
      run: (req, res) => serveIpfs(req, res, repo, metrics),
    },
    {
      name: "add",
      method: ["POST"],
      match: (p) => p === "/api/v0/add",
      run: async (req, res) => {
        const { owner, cid } = authorise(req, "add");
        checkAnnouncedLength(req, owner);
        const result = await repo.add(owner, req, { expectCid: cid, maxBytes: maxBodyBytes });
        sendJson(res, 200, {
          Hash: result.cid.toString(),
          Size: String(result.size),
          Owner: owner,
          PinnedBytes: result.pin.bytes,
        });
      },
    },
    {
      name: "dag-import",
      method: ["POST"],
      match: (p) => p === "/api/v0/dag/import",
      run: async (req, res) => {
        const { owner, cid } = authorise(req, "import-car");
        checkAnnouncedLength(req, owner);
        const result = await repo.importCar(req, { owner, expectRoot: cid, maxBytes: maxBodyBytes });
        sendJson(res, 200, {
          Roots: result.roots.map((r) => r.toString()),
          Blocks: result.blocks,
          Bytes: result.bytes,
          Owner: owner,
        });
      },
    },
    {
      name: "pin-add",
      method: ["POST"],
      match: (p) => p === "/api/v0/pin/add",
      run: async (req, res) => {
        const url = requestUrl(req);
        const { owner, cid } = authorise(req, "pin");
        const arg = url.searchParams.get("arg");
        if (arg !== null && toCid(arg).toString() !== cid.toString()) {
          throw daError("BAD_REQUEST", "arg differs from the signed CID");
        }
        let replicatedFrom: string | undefined;
        if (!isComplete(repo, cid)) {
          const from = url.searchParams.get("from");
          if (from !== null && !/^https?:\/\/[^/\s]+/.test(from)) {
            throw daError("BAD_REQUEST", `from=${from.slice(0, 80)} is not an http(s) gateway URL`);
          }
          const peers = from !== null ? [from] : [...(opts.peers ?? [])];
          if (peers.length === 0)
            throw daError("NOT_FOUND", `${cid.toString()} is not held here and no peer was named`);
          let lastError: unknown;
          for (const peer of peers) {
            try {
              await modules.pull({ peer, cid, owner, maxBytes: maxBodyBytes });
              replicatedFrom = peer;
              break;
            } catch (err) {
              lastError = err;
              logger.warn({ peer, cid: cid.toString(), err: String(err) }, "pull from peer failed");
            }
          }
          if (replicatedFrom === undefined) {
            throw isDaError(lastError)
              ? lastError
              : daError("PEER_UNAVAILABLE", String(lastError), lastError);
          }
        }
        const pin = await repo.pin(owner, cid);
        sendJson(res, 200, {
          Pins: [pin.root],
          Bytes: pin.bytes,
          Owner: owner,
          ReplicatedFrom: replicatedFrom ?? null,
        });
      },
    },
    {
      name: "pin-rm",
      method: ["POST"],
      match: (p) => p === "/api/v0/pin/rm",
      run: async (req, res) => {
        const { owner, cid } = authorise(req, "unpin");
        const removed = await repo.unpin(owner, cid);
        if (!removed) throw daError("NOT_FOUND", `${owner} does not pin ${cid.toString()}`);
        sendJson(res, 200, { Pins: [cid.toString()], Owner: owner });
      },
    },
    {
      name: "pin-ls",
      method: ["GET", "POST"],
      match: (p) => p === "/api/v0/pin/ls",
      run: async (req, res) => {
        const ownerParam = requestUrl(req).searchParams.get("owner");
        if (ownerParam === null || !/^0x[0-9a-fA-F]{40}$/.test(ownerParam)) {
          throw daError("BAD_REQUEST", "owner=0x<20-byte address> is required");
        }
        const owner = ownerParam.toLowerCase();
        sendJson(res, 200, {
          Owner: owner,
          Pins: repo.pinsOf(owner),
          UsedBytes: repo.usageOf(owner),
          QuotaBytes: repo.quotaOf(owner),
        });
      },
    },
    {
      name: "gc",
      method: ["POST"],
      match: (p) => p === "/api/v0/repo/gc",
      run: async (req, res) => {
        const remote = req.socket.remoteAddress ?? "";
        if (!["127.0.0.1", "::1", "::ffff:127.0.0.1"].includes(remote)) {
          throw daError("BAD_REQUEST", "garbage collection may only be asked for from this machine");
        }
        sendJson(res, 200, await repo.gc());
      },
    },
    {
      name: "metrics",
      method: ["GET"],
      match: (p) => p === "/metrics",
      run: async (_req, res) => {
        const body = await modules.registry.metrics();
        res.writeHead(200, { "content-type": modules.registry.contentType }).end(body);
      },
    },
    {
      name: "health",
      method: ["GET"],
      match: (p) => p === "/health",
      run: async (_req, res) => sendJson(res, 200, { ok: true, blocks: repo.blocks.count() }),
    },
  ];

  return async (req, res) => {
    const started = process.hrtime.bigint();
    const path = requestUrl(req).pathname;
    // Browsers (the Darwin frontend) fetch and upload directly. Requests carry no cookies (owners
    // sign each one), so any origin may call.
    res.setHeader("access-control-allow-origin", "*");
    res.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "access-control-allow-methods": "GET, HEAD, POST, OPTIONS",
        "access-control-allow-headers": ALLOWED_HEADERS,
        "access-control-max-age": "86400",
      });
      res.end();
      return;
    }
    const route = routes.find((r) => r.match(path));
    const name = route?.name ?? "unknown";
    try {
      if (route === undefined) throw daError("NOT_FOUND", `no route ${path}`);
      if (!route.method.includes(req.method ?? "")) {
        res.setHeader("allow", route.method.join(", "));
        sendJson(res, 405, { code: "BAD_REQUEST", message: `${req.method} is not allowed on ${path}` });
        return;
      }
      await route.run(req, res);
    } catch (err) {
      const error = toDaError(err);
      if (error.status >= 500) logger.error({ err, route: name }, "request failed");
      else logger.debug({ code: error.code, msg: error.message, route: name }, "request refused");
      if (res.headersSent) {
        // Mid-stream failure: the only honest signal left is to cut the connection.
        res.destroy(error);
      } else {
        // An unread request body is not drained (a 1 GB refusal must not read 1 GB): close instead.
        const unread = req.method === "POST" && !req.readableEnded;
        if (unread) res.setHeader("connection", "close");
        sendJson(res, error.status, { code: error.code, message: error.message });
        if (unread) {
          const socket = req.socket;
          res.once("finish", () => socket?.destroySoon());
        }
      }
    } finally {
      const status = String(res.statusCode);
      metrics.requests.inc({ route: name, status });
      metrics.requestSeconds.observe({ route: name }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}

function isComplete(repo: DaRepo, cid: CID): boolean {
  try {
    repo.dagStats(cid);
    return true;
  } catch (err) {
    if (isDaError(err, "NOT_FOUND") || isDaError(err, "INCOMPLETE_DAG")) return false;
    throw err;
  }
}

function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? "/", "http://gateway.invalid");
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function toCid(text: string): CID {
  try {
    return parseCid(text);
  } catch (err) {
    throw daError("BAD_CID", err instanceof Error ? err.message : String(err), err);
  }
}

function toDaError(err: unknown): DaError {
  if (err instanceof DaError) return err;
  if (err instanceof ContentIdError) {
    const code =
      err.code === "BAD_CID" || err.code === "UNSUPPORTED_CODEC" || err.code === "UNSUPPORTED_HASH"
        ? "BAD_CID"
        : err.code === "MISSING_BLOCK"
          ? "INCOMPLETE_DAG"
          : err.code === "CID_MISMATCH"
            ? "CID_MISMATCH"
            : "BAD_REQUEST";
    return daError(code, err.message, err);
  }
  // A client that hangs up mid-upload is not a server failure.
  if (err instanceof Error && /aborted|ECONNRESET/i.test(err.message)) {
    return daError("BAD_REQUEST", `request aborted: ${err.message}`, err);
  }
  return daError("STORE_FAILURE", err instanceof Error ? err.message : String(err), err);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

type Format = "raw" | "car" | "file";

function negotiate(req: IncomingMessage, url: URL): Format {
  const format = url.searchParams.get("format");
  if (format === "raw") return "raw";
  if (format === "car") return "car";
  if (format !== null && format !== "")
    throw daError("BAD_REQUEST", `format=${format} is not served (raw, car)`);
  const accept = headerValue(req, "accept") ?? "";
  if (accept.includes(RAW_TYPE)) return "raw";
  if (accept.includes(CAR_TYPE)) return "car";
  return "file";
}

interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** A single `bytes=` range, or undefined for none/multiple (then the whole body is sent). */
function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, from, to] = match;
  let start: number;
  let end: number;
  if (from === "" && to === "") return undefined;
  if (from === "") {
    const suffix = Number(to);
    if (suffix === 0) throw daError("RANGE_NOT_SATISFIABLE", `range ${header} selects nothing`);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(from);
    end = to === "" ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || start > end) {
    throw daError("RANGE_NOT_SATISFIABLE", `range ${header} is outside 0-${size - 1}`);
  }
  return { start, end };
}

async function serveIpfs(
  req: IncomingMessage,
  res: ServerResponse,
  repo: DaRepo,
  metrics: DaMetrics,
): Promise<void> {
  const url = requestUrl(req);
  const rest = url.pathname.slice("/ipfs/".length);
  const [cidText, ...subPath] = rest.split("/").filter((s) => s !== "");
  if (cidText === undefined) throw daError("BAD_CID", "no CID in the path");
  const cid = toCid(decodeURIComponent(cidText));
  if (subPath.length > 0) throw daError("BAD_REQUEST", "paths inside a DAG are not served (files only)");
  const format = negotiate(req, url);
  const head = req.method === "HEAD";
  const common: Record<string, string> = {
    "cache-control": IMMUTABLE,
    "x-ipfs-path": `/ipfs/${cid.toString()}`,
    "x-ipfs-roots": cid.toString(),
    "x-content-type-options": "nosniff",
    vary: "Accept",
    "accept-ranges": format === "car" ? "none" : "bytes",
  };
  const etag =
    format === "raw"
      ? `"${cid.toString()}.raw"`
      : format === "car"
        ? `"${cid.toString()}.car"`
        : `"${cid.toString()}"`;
  common.etag = etag;
  const block = repo.blocks.get(cid);
  if (block === undefined) throw daError("NOT_FOUND", `${cid.toString()} is not stored here`);
  const ifNoneMatch = headerValue(req, "if-none-match");
  if (ifNoneMatch?.split(",").some((t) => t.trim() === etag || t.trim() === "*")) {
    res.writeHead(304, common).end();
    return;
  }

  if (format === "car") {
    // The whole DAG must be here before a 200 goes out (a CAR cut short is indistinguishable from a
    // slow one); exportCar checks that, HEAD checks it without producing the body.
    if (head) repo.dagStats(cid);
    const body = head ? undefined : repo.exportCar(cid);
    res.writeHead(200, {
      ...common,
      "content-type": `${CAR_TYPE}; version=1; order=dfs; dups=n`,
      "content-disposition": `attachment; filename="${cid.toString()}.car"`,
    });
    if (body === undefined) {
      res.end();
      return;
    }
    await stream(res, coalesce(body, 64 * 1024), (n) => metrics.bytesServed.inc({ format: "car" }, n));
    return;
  }

  const size = format === "raw" ? block.length : contentSizeOf(cid, block);
  let range: ByteRange | undefined;
  try {
    range = parseRange(headerValue(req, "range"), size);
  } catch (err) {
    if (isDaError(err, "RANGE_NOT_SATISFIABLE")) res.setHeader("content-range", `bytes */${size}`);
    throw err;
  }
  const contentType = format === "raw" ? RAW_TYPE : "application/octet-stream";
  const headers: Record<string, string> = { ...common, "content-type": contentType };
  if (format === "raw") headers["content-disposition"] = `attachment; filename="${cid.toString()}.bin"`;
  const start = range?.start ?? 0;
  const length = range === undefined ? size : range.end - range.start + 1;
  headers["content-length"] = String(length);
  if (range) headers["content-range"] = `bytes ${range.start}-${range.end}/${size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (head) {
    res.end();
    return;
  }
  if (format === "raw") {
    res.end(block.subarray(start, start + length));
    metrics.bytesServed.inc({ format: "raw" }, length);
    return;
  }
  await stream(res, repo.readContent(cid, { offset: start, length }), (n) =>
    metrics.bytesServed.inc({ format: "file" }, n),
  );
}

/** Resolves on "drain", or on "close" (a client that hangs up never drains); leaves no listener behind. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Joins the CAR writer's many small pieces (varints, CIDs) into writes of at least `min` bytes. */
async function* coalesce(source: AsyncIterable<Uint8Array>, min: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of source) {
    parts.push(part);
    size += part.length;
    if (size >= min) {
      yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
}

async function stream(
  res: ServerResponse,
  body: AsyncIterable<Uint8Array>,
  count: (n: number) => void,
): Promise<void> {
  for await (const chunk of body) {
    count(chunk.length);
    if (!res.write(chunk)) {
      if (res.destroyed) return;
      await drained(res);
      if (res.destroyed) return;
    }
  }
  res.end();
}
