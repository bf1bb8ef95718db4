import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger, Registry } from "@darwin/observability";
import { type WebSocket, WebSocketServer } from "ws";
import { type RpcDispatcher as Dispatcher, RpcDispatcher, type RpcSession } from "./dispatch.ts";
import { RpcErrorCode } from "./errors.ts";
import { createRpcMetrics, type RpcMetrics } from "./metrics.ts";
import { resolveTable } from "./table.ts";
import type { RpcMethodsPolicy, RpcMethodTable } from "./types.ts";

/** What `system_health` answers; `GET /health` serves it over plain HTTP for load balancers. */
export interface NodeHealth {
  readonly isSyncing: boolean;
  readonly peers: number;
  readonly shouldHavePeers: boolean;
}

export type RpcCors = "all" | "none" | readonly string[];

export interface RpcServerOpts {
  readonly host: string;
  /** 0 picks a free port; `start()` resolves with the bound one. */
  readonly port: number;
  /** Every method served: merge namespaces with `mergeTables`. */
  readonly methods: RpcMethodTable;
  /** Substrate's `--rpc-max-request-size` (default 15 MiB). */
  readonly maxRequestBytes?: number;
  /** Substrate's `--rpc-max-response-size` (default 15 MiB). */
  readonly maxResponseBytes?: number;
  /** Substrate's `--rpc-max-connections` (default 100), counting HTTP and WebSocket connections. */
  readonly maxConnections?: number;
  /** Substrate's `--rpc-max-subscriptions-per-connection` (default 1024). */
  readonly maxSubscriptionsPerConnection?: number;
  /** Substrate's `--rpc-max-batch-request-len` (default: unlimited). */
  readonly maxBatchLength?: number;
  /** `all` (any origin), `none` (no CORS headers, no origin check) or the allowed origins. */
  readonly cors?: RpcCors;
  /** Substrate's `--rpc-methods`: `safe` (the default) refuses methods marked unsafe with -32601. */
  readonly rpcMethods?: RpcMethodsPolicy;
  /** Serves `GET /health` and `GET /health/readiness` when given. */
  readonly health?: () => NodeHealth | Promise<NodeHealth>;
}

export interface RpcServerModules {
  readonly logger: Logger;
  /** Where the RPC metrics go (Substrate's `substrate_rpc_*` names); none when absent. */
  readonly registry?: Registry;
}

export interface RpcServer {
  /** Listens; resolves with the bound port. */
  start(): Promise<number>;
  /** Ends every subscription, closes every connection and stops listening. */
  stop(): Promise<void>;
  readonly port: number | undefined;
  /** Admitted connections right now (HTTP keep-alive and WebSocket). */
  connectionCount(): number;
}

export const RPC_DEFAULTS = {
  maxRequestBytes: 15 * 1024 * 1024,
  maxResponseBytes: 15 * 1024 * 1024,
  maxConnections: 100,
  maxSubscriptionsPerConnection: 1024,
} as const;

/**
 * JSON-RPC 2.0 over HTTP and WebSocket on one port, as Substrate's and Frontier's servers do:
 * `POST /` answers calls and batches, `ws://host:port` also carries subscriptions.
 */
export function createRpcServer(opts: RpcServerOpts, modules: RpcServerModules): RpcServer {
  const logger = modules.logger.child({ module: "rpc" });
  const maxRequestBytes = opts.maxRequestBytes ?? RPC_DEFAULTS.maxRequestBytes;
  const maxResponseBytes = opts.maxResponseBytes ?? RPC_DEFAULTS.maxResponseBytes;
  const maxConnections = opts.maxConnections ?? RPC_DEFAULTS.maxConnections;
  const cors = opts.cors ?? "none";
  const metrics: RpcMetrics | undefined = modules.registry ? createRpcMetrics(modules.registry) : undefined;
  const dispatcher: Dispatcher = new RpcDispatcher(
    {
      methods: resolveTable(opts.methods, opts.rpcMethods ?? "safe"),
      limits: {
        maxResponseBytes,
        maxSubscriptionsPerConnection:
          opts.maxSubscriptionsPerConnection ?? RPC_DEFAULTS.maxSubscriptionsPerConnection,
        maxBatchLength: opts.maxBatchLength ?? Number.POSITIVE_INFINITY,
      },
    },
    { logger, metrics },
  );
  // A slow WebSocket reader may not pile up unbounded output in our memory.
  const maxBufferedBytes = Math.max(2 * maxResponseBytes, 16 * 1024 * 1024);

  const admitted = new Set<Socket>();
  /** Sockets over the limit: they get one refusal and are closed; bounded so they cannot pile up. */
  const refused = new Set<Socket>();
  const sessions = new Set<RpcSession>();
  const sockets = new Set<WebSocket>();
  let nextSessionId = 1;
  let server: Server | undefined;
  let boundPort: number | undefined;

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxRequestBytes, perMessageDeflate: false });

  const originAllowed = (origin: string | undefined): boolean => {
    if (origin === undefined || cors === "all" || cors === "none") return true;
    return cors.includes(origin);
  };

  const corsHeaders = (origin: string | undefined): Record<string, string> => {
    if (cors === "none" || origin === undefined) return {};
    if (cors === "all") return { "access-control-allow-origin": "*" };
    return cors.includes(origin) ? { "access-control-allow-origin": origin, vary: "Origin" } : {};
  };

  const onConnection = (socket: Socket): void => {
    if (admitted.size < maxConnections) {
      admitted.add(socket);
      metrics?.openConnections.set(admitted.size);
      socket.once("close", () => {
        admitted.delete(socket);
        metrics?.openConnections.set(admitted.size);
      });
      return;
    }
    metrics?.refusedConnections.inc({ reason: "max_connections" });
    if (refused.size >= maxConnections) {
      socket.destroy();
      return;
    }
    refused.add(socket);
    socket.once("close", () => refused.delete(socket));
    // One request gets a readable refusal; a silent client is dropped soon.
    socket.setTimeout(5_000, () => socket.destroy());
  };

  const jsonError = (code: number, message: string): string =>
    JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null });

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const origin = req.headers.origin;
    const base = corsHeaders(origin);
    if (!admitted.has(req.socket)) {
      res.writeHead(503, { ...base, "content-type": "application/json", connection: "close" });
      res.end(
        jsonError(
          RpcErrorCode.ServerIsBusy,
          `Too many connections: at most ${maxConnections} are served at once`,
        ),
      );
      return;
    }
    if (!originAllowed(origin)) {
      metrics?.refusedConnections.inc({ reason: "cors" });
      res
        .writeHead(403, { "content-type": "text/plain" })
        .end(`origin ${origin} is not allowed (--rpc-cors)\n`);
      return;
    }
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "OPTIONS") {
      res
        .writeHead(204, {
          ...base,
          "access-control-allow-methods": "POST, GET, OPTIONS",
          "access-control-allow-headers": "content-type",
          "access-control-max-age": "86400",
        })
        .end();
      return;
    }
    if (req.method === "GET" && (path === "/health" || path === "/health/readiness")) {
      serveHealth(path, res, base);
      return;
    }
    if (req.method !== "POST") {
      res
        .writeHead(405, { ...base, allow: "POST", "content-type": "text/plain" })
        .end("Used HTTP method is not allowed: POST is required\n");
      return;
    }
    readBody(req, res, base);
  };

  const serveHealth = (path: string, res: ServerResponse, base: Record<string, string>): void => {
    const health = opts.health;
    if (health === undefined) {
      res.writeHead(404, { ...base, "content-type": "text/plain" }).end("health is not served\n");
      return;
    }
    Promise.resolve()
      .then(() => health())
      .then((health) => {
        if (health === undefined) throw new Error("no health");
        const ready = !health.isSyncing && !(health.shouldHavePeers && health.peers === 0);
        if (path === "/health/readiness") {
          res.writeHead(ready ? 200 : 500, base).end();
        } else {
          res.writeHead(200, { ...base, "content-type": "application/json" }).end(JSON.stringify(health));
        }
      })
      .catch((err: unknown) => {
        logger.warn({ err }, "health check failed");
        res.writeHead(500, base).end();
      });
  };

  const refuseOversized = (req: IncomingMessage, res: ServerResponse, base: Record<string, string>): void => {
    metrics?.refusedConnections.inc({ reason: "request_too_big" });
    res.writeHead(413, { ...base, "content-type": "application/json", connection: "close" });
    res.end(
      jsonError(
        RpcErrorCode.OversizedRequest,
        `Request is too big: exceeded max limit of ${maxRequestBytes} bytes`,
      ),
    );
    // Discard (never keep) what the client still sends so it can read our answer, then hang up.
    req.resume();
    const timer = setTimeout(() => req.socket.destroy(), 2_000);
    timer.unref();
    res.once("close", () => clearTimeout(timer));
  };

  const readBody = (req: IncomingMessage, res: ServerResponse, base: Record<string, string>): void => {
    const declared = Number(req.headers["content-length"] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxRequestBytes) {
      refuseOversized(req, res, base);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on("data", (chunk: Buffer) => {
      if (tooBig) return;
      size += chunk.length;
      if (size > maxRequestBytes) {
        tooBig = true;
        chunks.length = 0;
        refuseOversized(req, res, base);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooBig) return;
      const session: RpcSession = {
        transport: "http",
        id: nextSessionId++,
        remoteAddress: req.socket.remoteAddress,
        send: () => {},
        subscriptions: new Map(),
      };
      dispatcher
        .handleText(Buffer.concat(chunks).toString("utf8"), session)
        .then((outcome) => {
          res
            .writeHead(200, { ...base, "content-type": "application/json; charset=utf-8" })
            .end(outcome.response ?? "");
        })
        .catch((err: unknown) => {
          logger.error({ err }, "RPC dispatch failed");
          res.writeHead(500, base).end(jsonError(RpcErrorCode.InternalError, "Internal error"));
        });
    });
    req.on("error", (err) => logger.debug({ err }, "HTTP request stream failed"));
  };

  const refuseUpgrade = (socket: Duplex, status: string, body: string): void => {
    socket.end(
      `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    setTimeout(() => socket.destroy(), 1_000).unref();
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!admitted.has(req.socket)) {
      refuseUpgrade(socket, "503 Service Unavailable", `Too many connections: at most ${maxConnections}\n`);
      return;
    }
    // Browsers do not apply CORS to WebSockets, so the origin list is enforced here.
    if (!originAllowed(req.headers.origin)) {
      metrics?.refusedConnections.inc({ reason: "cors" });
      refuseUpgrade(socket, "403 Forbidden", `origin ${req.headers.origin} is not allowed (--rpc-cors)\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onWebSocket(ws, req));
  };

  const onWebSocket = (ws: WebSocket, req: IncomingMessage): void => {
    sockets.add(ws);
    metrics?.sessionsOpened.inc({ protocol: "ws" });
    const session: RpcSession = {
      transport: "ws",
      id: nextSessionId++,
      remoteAddress: req.socket.remoteAddress,
      subscriptions: new Map(),
      send(text) {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > maxBufferedBytes) {
          logger.warn({ session: session.id }, "WebSocket client reads too slowly; closing it");
          ws.terminate();
          return;
        }
        ws.send(text);
      },
    };
    sessions.add(session);
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString("utf8") : data.toString();
      dispatcher
        .handleText(text, session)
        .then((outcome) => {
          if (outcome.response !== undefined) session.send(outcome.response);
          for (const start of outcome.afterSend) start();
        })
        .catch((err: unknown) => logger.error({ err }, "RPC dispatch failed"));
    });
    ws.on("error", (err) => logger.debug({ err, session: session.id }, "WebSocket error"));
    ws.on("close", () => {
      sockets.delete(ws);
      sessions.delete(session);
      metrics?.sessionsClosed.inc({ protocol: "ws" });
      for (const sub of [...session.subscriptions.values()]) sub.end();
    });
  };

  return {
    get port() {
      return boundPort;
    },
    connectionCount: () => admitted.size,
    async start() {
      if (server !== undefined) throw new Error("RPC server already started");
      const s = createServer({ maxHeaderSize: 64 * 1024 }, onRequest);
      server = s;
      s.keepAliveTimeout = 5_000;
      s.on("connection", onConnection);
      s.on("upgrade", onUpgrade);
      s.on("clientError", (err, socket) => {
        logger.debug({ err }, "HTTP client error");
        if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
        else socket.destroy();
      });
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(opts.port, opts.host, () => {
          s.off("error", reject);
          resolve();
        });
      });
      const address = s.address();
      boundPort = typeof address === "object" && address !== null ? address.port : opts.port;
      logger.info({ address: `${opts.host}:${boundPort}` }, "Running JSON-RPC server");
      return boundPort;
    },
    async stop() {
      const s = server;
      if (s === undefined) return;
      server = undefined;
      for (const session of sessions) for (const sub of [...session.subscriptions.values()]) sub.end();
      const wsClosed = [...sockets].map(
        (ws) =>
          new Promise<void>((resolve) =>
            ws.readyState === ws.CLOSED ? resolve() : ws.once("close", () => resolve()),
          ),
      );
      for (const ws of sockets) ws.close(1001, "server shutting down");
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeIdleConnections();
      // Give clients a moment to complete the close handshake, then cut whatever is left.
      await Promise.race([Promise.all(wsClosed), new Promise((r) => setTimeout(r, 1_000).unref())]);
      for (const ws of sockets) ws.terminate();
      s.closeAllConnections();
      for (const socket of [...admitted, ...refused]) socket.destroy();
      await closed;
      wss.close();
    },
  };
}
