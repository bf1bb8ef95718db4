import { request as httpRequest } from "node:http";
import { createRegistry, readMetric, silentLogger } from "@darwin/observability";
import { freePort } from "@darwin/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  createRpcServer,
  mergeTables,
  RpcError,
  RpcErrorCode,
  type RpcMethodTable,
  type RpcServer,
  type RpcServerOpts,
  RpcTableError,
  resolveTable,
  rpcMethods,
  type SubscriptionSink,
} from "../src/rpc/server/index.ts";

type Json = Record<string, unknown>;

/** A WebSocket client that queues every message so tests can await them in order. */
class WsClient {
  readonly ws: WebSocket;
  readonly #queue: Json[] = [];
  readonly #waiters: Array<(m: Json) => void> = [];
  #nextId = 1;

  constructor(url: string, headers?: Record<string, string>) {
    this.ws = new WebSocket(url, headers ? { headers } : {});
    this.ws.on("message", (data) => {
      const msg = JSON.parse(data.toString()) as Json;
      const waiter = this.#waiters.shift();
      if (waiter) waiter(msg);
      else this.#queue.push(msg);
    });
  }

  static async open(url: string, headers?: Record<string, string>): Promise<WsClient> {
    const c = new WsClient(url, headers);
    await new Promise<void>((resolve, reject) => {
      c.ws.once("open", () => resolve());
      c.ws.once("error", reject);
    });
    return c;
  }

  next(): Promise<Json> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  async call(method: string, params: unknown[] = []): Promise<Json> {
    const id = this.#nextId++;
    this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    return this.next();
  }

  pending(): number {
    return this.#queue.length;
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once("close", () => resolve());
      this.ws.close();
    });
  }
}

async function post(port: number, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

async function callHttp(port: number, method: string, params: unknown = []): Promise<Json> {
  const res = await post(port, JSON.stringify({ jsonrpc: "2.0", id: 7, method, params }));
  return (await res.json()) as Json;
}

interface Fixture {
  readonly teardowns: string[];
  readonly sinks: SubscriptionSink[];
}

function table(f: Fixture): RpcMethodTable {
  return {
    system_name: { handler: () => "darwin-node" },
    echo: { handler: (params, ctx) => ({ params, transport: ctx.transport }), paramNames: ["a", "b"] },
    slow_echo: {
      handler: async (params) => {
        await new Promise((r) => setTimeout(r, 20));
        return params[0];
      },
    },
    author_submitExtrinsic: {
      handler: () => {
        throw new RpcError(
          RpcErrorCode.InvalidTransaction,
          "Invalid Transaction",
          "Transaction has a bad signature",
        );
      },
    },
    boom: {
      handler: () => {
        throw new Error("database on fire");
      },
    },
    big: { handler: (params) => "x".repeat(Number(params[0])) },
    bigint: { handler: () => ({ balance: 10n }) },
    author_rotateKeys: { handler: () => "0xkeys", unsafe: true },
    chain_subscribeNewHead: {
      subscription: {
        notification: "chain_newHead",
        unsubscribe: "chain_unsubscribeNewHead",
        subscribe(_params, _ctx, sink) {
          f.sinks.push(sink);
          // Sent synchronously: must still reach the client after the subscription id.
          sink.next({ number: "0x0" });
          return () => {
            f.teardowns.push(sink.id);
          };
        },
      },
    },
    chain_subscribeNewHeads: { aliasOf: "chain_subscribeNewHead" },
    chain_unsubscribeNewHeads: { aliasOf: "chain_subscribeNewHead" },
    eth_subscribe: {
      subscription: {
        notification: "eth_subscription",
        unsubscribe: "eth_unsubscribe",
        idFormat: "hex",
        subscribe(params, _ctx, sink) {
          if (params[0] !== "newHeads")
            throw RpcError.invalidParams(`unknown subscription kind ${String(params[0])}`);
          f.sinks.push(sink);
          return async () => {
            f.teardowns.push(sink.id);
          };
        },
      },
    },
    state_subscribeStorage: {
      unsafe: true,
      subscription: {
        notification: "state_storage",
        unsubscribe: "state_unsubscribeStorage",
        subscribe: () => () => {},
      },
    },
  };
}

describe("JSON-RPC server", () => {
  let server: RpcServer | undefined;
  let fixture: Fixture;

  async function start(overrides: Partial<RpcServerOpts> = {}) {
    fixture = { teardowns: [], sinks: [] };
    const registry = createRegistry({ defaultMetrics: false });
    server = createRpcServer(
      {
        host: "127.0.0.1",
        port: await freePort(),
        methods: table(fixture),
        rpcMethods: "unsafe",
        cors: "all",
        ...overrides,
      },
      { logger: silentLogger(), registry },
    );
    const port = await server.start();
    return { port, url: `ws://127.0.0.1:${port}`, registry };
  }

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("answers calls over HTTP and WebSocket on one port", async () => {
    const { port, url } = await start();
    expect(await callHttp(port, "system_name")).toEqual({ jsonrpc: "2.0", result: "darwin-node", id: 7 });
    expect((await callHttp(port, "echo", [1, "two"])).result).toEqual({
      params: [1, "two"],
      transport: "http",
    });
    expect((await callHttp(port, "echo", { a: 1, b: 2 })).result).toEqual({
      params: [1, 2],
      transport: "http",
    });
    const ws = await WsClient.open(url);
    expect(await ws.call("system_name")).toEqual({ jsonrpc: "2.0", result: "darwin-node", id: 1 });
    expect((await ws.call("echo", [true])).result).toEqual({ params: [true], transport: "ws" });
    await ws.close();
  });

  it("answers errors with the standard codes and keeps handler errors", async () => {
    const { port, url } = await start();
    const parse = (await (await post(port, "{not json")).json()) as Json;
    expect(parse).toEqual({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error" }, id: null });
    const invalid = (await (
      await post(port, JSON.stringify({ id: 3, method: "system_name" }))
    ).json()) as Json;
    expect(invalid.error).toMatchObject({ code: -32600 });
    expect(invalid.id).toBe(3);
    const badId = (await (await post(port, '{"jsonrpc":"2.0","id":{},"method":"x"}')).json()) as Json;
    expect(badId).toMatchObject({ error: { code: -32600 }, id: null });
    expect((await callHttp(port, "nope")).error).toMatchObject({ code: -32601, message: "Method not found" });
    expect((await callHttp(port, "system_name", { a: 1 })).error).toMatchObject({ code: -32602 });
    expect((await callHttp(port, "echo", { c: 1 })).error).toMatchObject({ code: -32602 });
    expect((await callHttp(port, "author_submitExtrinsic", ["0x00"])).error).toEqual({
      code: 1010,
      message: "Invalid Transaction",
      data: "Transaction has a bad signature",
    });
    expect((await callHttp(port, "boom")).error).toEqual({
      code: -32603,
      message: "Internal error",
      data: "database on fire",
    });
    // A result JSON cannot carry is the server's fault, not a hang.
    expect((await callHttp(port, "bigint")).error).toMatchObject({ code: -32603 });
    const ws = await WsClient.open(url);
    expect((await ws.call("bigint")).error).toMatchObject({ code: -32603 });
    ws.sendRaw("][");
    expect(await ws.next()).toMatchObject({ error: { code: -32700 }, id: null });
    ws.sendRaw("42");
    expect(await ws.next()).toMatchObject({ error: { code: -32600 }, id: null });
    expect((await ws.call("system_name")).result).toBe("darwin-node");
    await ws.close();
  });

  it("answers batches, skipping notifications, over both transports", async () => {
    const { port, url } = await start();
    const batch = JSON.stringify([
      { jsonrpc: "2.0", id: 1, method: "slow_echo", params: ["a"] },
      { jsonrpc: "2.0", method: "system_name" },
      { jsonrpc: "2.0", id: 2, method: "nope" },
      { jsonrpc: "2.0", id: "three", method: "system_name" },
      5,
    ]);
    const res = (await (await post(port, batch)).json()) as Json[];
    expect(res).toEqual([
      { jsonrpc: "2.0", result: "a", id: 1 },
      {
        jsonrpc: "2.0",
        error: { code: -32601, message: "Method not found", data: { method: "nope" } },
        id: 2,
      },
      { jsonrpc: "2.0", result: "darwin-node", id: "three" },
      { jsonrpc: "2.0", error: { code: -32600, message: "Invalid request: not an object" }, id: null },
    ]);
    const empty = (await (await post(port, "[]")).json()) as Json;
    expect(empty).toMatchObject({ error: { code: -32600 }, id: null });
    const onlyNotifications = await post(port, JSON.stringify([{ jsonrpc: "2.0", method: "system_name" }]));
    expect(onlyNotifications.status).toBe(200);
    expect(await onlyNotifications.text()).toBe("");

    const ws = await WsClient.open(url);
    ws.sendRaw(batch);
    const wsRes = (await ws.next()) as unknown as Json[];
    expect(wsRes).toEqual(res);
    await ws.close();
  });

  it("limits batch length when configured", async () => {
    const { port } = await start({ maxBatchLength: 2 });
    const call = { jsonrpc: "2.0", id: 1, method: "system_name" };
    const res = (await (await post(port, JSON.stringify([call, call, call]))).json()) as Json;
    expect(res).toMatchObject({ error: { code: RpcErrorCode.TooBigBatchRequest }, id: null });
    expect(((await (await post(port, JSON.stringify([call, call]))).json()) as Json[]).length).toBe(2);
  });

  it("runs a subscription through its lifecycle, the id reply first", async () => {
    const { url } = await start();
    const ws = await WsClient.open(url);
    const sub = await ws.call("chain_subscribeNewHead");
    const id = sub.result as string;
    expect(id).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(await ws.next()).toEqual({
      jsonrpc: "2.0",
      method: "chain_newHead",
      params: { subscription: id, result: { number: "0x0" } },
    });
    const sink = fixture.sinks[0]!;
    sink.next({ number: "0x1" });
    expect(await ws.next()).toMatchObject({ params: { subscription: id, result: { number: "0x1" } } });
    expect(await ws.call("chain_unsubscribeNewHead", [id])).toMatchObject({ result: true });
    expect(fixture.teardowns).toEqual([id]);
    expect(sink.active).toBe(false);
    sink.next({ number: "0x2" }); // ignored once ended
    expect(await ws.call("chain_unsubscribeNewHead", [id])).toMatchObject({ result: false });
    expect(ws.pending()).toBe(0);
    expect((await ws.call("chain_unsubscribeNewHead", [42])).error).toMatchObject({ code: -32602 });
    await ws.close();
  });

  it("supports aliases, per-kind params, error notifications and teardown on disconnect", async () => {
    const { url } = await start();
    const ws = await WsClient.open(url);
    const viaAlias = (await ws.call("chain_subscribeNewHeads")).result as string;
    await ws.next(); // the initial head
    // An unsubscribe of another family does not end it.
    expect((await ws.call("eth_unsubscribe", [viaAlias])).result).toBe(false);

    const eth = (await ws.call("eth_subscribe", ["newHeads"])).result as string;
    expect(eth).toMatch(/^0x[0-9a-f]{32}$/);
    expect((await ws.call("eth_subscribe", ["bogus"])).error).toMatchObject({ code: -32602 });
    const ethSink = fixture.sinks.find((s) => s.id === eth)!;
    ethSink.next({ number: "0x5" });
    expect(await ws.next()).toEqual({
      jsonrpc: "2.0",
      method: "eth_subscription",
      params: { subscription: eth, result: { number: "0x5" } },
    });
    ethSink.error(new RpcError(-32000, "stream lost"));
    expect(await ws.next()).toEqual({
      jsonrpc: "2.0",
      method: "eth_subscription",
      params: { subscription: eth, error: { code: -32000, message: "stream lost" } },
    });
    expect(fixture.teardowns).toContain(eth);

    await ws.close();
    await expect.poll(() => fixture.teardowns.includes(viaAlias)).toBe(true);
  });

  it("refuses subscriptions over HTTP with a clear error", async () => {
    const { port } = await start();
    const res = await callHttp(port, "chain_subscribeNewHead");
    expect(res.error).toMatchObject({ code: -32601 });
    expect(String((res.error as Json).message)).toMatch(/WebSocket/);
    expect(fixture.sinks).toHaveLength(0);
  });

  it("limits subscriptions per connection", async () => {
    const { url } = await start({ maxSubscriptionsPerConnection: 2 });
    const ws = await WsClient.open(url);
    expect(typeof (await ws.call("eth_subscribe", ["newHeads"])).result).toBe("string");
    expect(typeof (await ws.call("eth_subscribe", ["newHeads"])).result).toBe("string");
    expect((await ws.call("eth_subscribe", ["newHeads"])).error).toMatchObject({
      code: RpcErrorCode.TooManySubscriptions,
    });
    await ws.close();
  });

  it("filters unsafe methods under methods=safe and lists what is callable", async () => {
    const f: Fixture = { teardowns: [], sinks: [] };
    const all = rpcMethods(table(f), "unsafe").methods;
    const safe = rpcMethods(table(f), "safe").methods;
    expect(all).toEqual([...all].sort());
    expect(all).toContain("author_rotateKeys");
    expect(all).toContain("chain_subscribeNewHeads");
    expect(all).toContain("chain_unsubscribeNewHead");
    expect(all).toContain("state_unsubscribeStorage");
    expect(safe).not.toContain("author_rotateKeys");
    expect(safe).not.toContain("state_subscribeStorage");
    expect(safe).not.toContain("state_unsubscribeStorage");
    expect(safe).toContain("eth_unsubscribe");

    const { port, url } = await start({ rpcMethods: "safe" });
    const refused = await callHttp(port, "author_rotateKeys");
    expect(refused.error).toMatchObject({ code: -32601 });
    expect(String((refused.error as Json).message)).toMatch(/unsafe.*--rpc-methods unsafe/);
    const ws = await WsClient.open(url);
    expect((await ws.call("state_subscribeStorage", [])).error).toMatchObject({ code: -32601 });
    expect((await ws.call("system_name")).result).toBe("darwin-node");
    await ws.close();
  });

  it("rejects invalid tables", () => {
    expect(() => mergeTables({ a: { handler: () => 1 } }, { a: { handler: () => 2 } })).toThrow(
      RpcTableError,
    );
    expect(() => resolveTable({ a: { aliasOf: "b" } }, "safe")).toThrow(/unknown method b/);
    expect(() =>
      resolveTable(
        {
          s: { subscription: { notification: "n", unsubscribe: "u", subscribe: () => () => {} } },
          u: { handler: () => 1 },
        },
        "safe",
      ),
    ).toThrow(/collides/);
    const merged = mergeTables({ a: { handler: () => 1 } }, { b: { aliasOf: "a" } });
    expect(Object.keys(merged)).toEqual(["a", "b"]);
  });

  it("refuses a 20 MB HTTP request early and keeps serving", async () => {
    const { port } = await start();
    const huge = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "echo",
      params: ["x".repeat(20 * 1024 * 1024)],
    });
    // Either the 413 answer arrives, or the server hangs up while the client still sends; never a result.
    const outcome = await post(port, huge).then(
      async (res) => ({ status: res.status, body: (await res.json()) as Json }),
      (err: unknown) => ({ status: 0, body: { transportError: String(err) } as Json }),
    );
    if (outcome.status !== 0) {
      expect(outcome.status).toBe(413);
      expect(outcome.body.error).toMatchObject({ code: RpcErrorCode.OversizedRequest });
    }
    // Without a content-length (chunked), the limit applies while streaming.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/" }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      const piece = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < 20) {
          sent++;
          if (!req.write(piece)) {
            req.once("drain", pump);
            return;
          }
        }
        req.end();
      };
      pump();
    }).catch((err: unknown) => ({ status: 0, body: String(err) }));
    if (chunked.status !== 0) expect(chunked.status).toBe(413);
    expect((await callHttp(port, "system_name")).result).toBe("darwin-node");
  });

  it("closes a WebSocket that sends a frame over the limit and keeps serving others", async () => {
    const { url } = await start({ maxRequestBytes: 1024 * 1024 });
    const other = await WsClient.open(url);
    const ws = await WsClient.open(url);
    const closed = new Promise<number>((resolve) => ws.ws.once("close", (code) => resolve(code)));
    ws.sendRaw(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "echo", params: ["x".repeat(2 * 1024 * 1024)] }),
    );
    expect(await closed).toBe(1009);
    expect((await other.call("system_name")).result).toBe("darwin-node");
    const again = await WsClient.open(url);
    expect((await again.call("system_name")).result).toBe("darwin-node");
    await Promise.all([other.close(), again.close()]);
  });

  it("replaces an oversized response with -32008", async () => {
    const { port } = await start({ maxResponseBytes: 1000 });
    expect((await callHttp(port, "big", [10])).result).toBe("xxxxxxxxxx");
    expect((await callHttp(port, "big", [5000])).error).toMatchObject({
      code: RpcErrorCode.OversizedResponse,
    });
  });

  it("admits maxConnections of 500 concurrent WebSockets, refuses the rest, keeps serving", async () => {
    const { port, url, registry } = await start({ maxConnections: 100 });
    const attempts = await Promise.all(
      Array.from(
        { length: 500 },
        () =>
          new Promise<WebSocket | number>((resolve) => {
            const ws = new WebSocket(url);
            ws.once("open", () => resolve(ws));
            ws.once("unexpected-response", (_req, res) => {
              resolve(res.statusCode ?? -1);
              ws.terminate();
            });
            ws.once("error", () => resolve(-1));
          }),
      ),
    );
    const open = attempts.filter((a): a is WebSocket => typeof a !== "number");
    const refused = attempts.filter((a) => typeof a === "number");
    expect(open).toHaveLength(100);
    expect(refused).toHaveLength(400);
    expect(refused.every((s) => s === 503 || s === -1)).toBe(true);
    expect(refused.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(await readMetric(registry, "darwin_rpc_refused_total", { reason: "max_connections" })).toBe(400);

    // Everyone admitted still works.
    const first = open[0]!;
    const reply = await new Promise<Json>((resolve) => {
      first.once("message", (d) => resolve(JSON.parse(d.toString()) as Json));
      first.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "system_name" }));
    });
    expect(reply.result).toBe("darwin-node");
    // HTTP over the limit gets a readable refusal.
    const busy = await post(port, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "system_name" }));
    expect(busy.status).toBe(503);
    expect(((await busy.json()) as Json).error).toMatchObject({ code: RpcErrorCode.ServerIsBusy });

    // Freeing slots lets new clients in.
    await Promise.all(
      open
        .slice(0, 10)
        .map((ws) => new Promise<void>((resolve) => ws.once("close", () => resolve()).close())),
    );
    await expect.poll(() => server?.connectionCount()).toBeLessThanOrEqual(90);
    expect((await callHttp(port, "system_name")).result).toBe("darwin-node");
    for (const ws of open.slice(10)) ws.terminate();
  });

  it("applies CORS per configuration, to HTTP and WebSocket upgrades", async () => {
    const { port, url } = await start({ cors: ["http://localhost:3000"] });
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "system_name" });
    const ok = await post(port, body, { origin: "http://localhost:3000" });
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    const bad = await post(port, body, { origin: "http://evil.example" });
    expect(bad.status).toBe(403);
    const noOrigin = await post(port, body);
    expect(noOrigin.status).toBe(200);
    const preflight = await fetch(`http://127.0.0.1:${port}/`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:3000", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/content-type/);
    const refusedWs = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url, { headers: { origin: "http://evil.example" } });
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.once("open", () => resolve(101));
      ws.once("error", () => {});
    });
    expect(refusedWs).toBe(403);
    const allowed = await WsClient.open(url, { origin: "http://localhost:3000" });
    expect((await allowed.call("system_name")).result).toBe("darwin-node");
    await allowed.close();
    await server?.stop();

    const all = await start({ cors: "all" });
    expect(
      (await post(all.port, body, { origin: "http://x" })).headers.get("access-control-allow-origin"),
    ).toBe("*");
    await server?.stop();
    const none = await start({ cors: "none" });
    const r = await post(none.port, body, { origin: "http://x" });
    expect(r.status).toBe(200);
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("serves /health and /health/readiness from the node's callback", async () => {
    let health = { isSyncing: false, peers: 0, shouldHavePeers: false };
    const { port } = await start({ health: () => health });
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(health);
    expect((await fetch(`http://127.0.0.1:${port}/health/readiness`)).status).toBe(200);
    health = { isSyncing: false, peers: 0, shouldHavePeers: true };
    expect((await fetch(`http://127.0.0.1:${port}/health/readiness`)).status).toBe(500);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(405);
  });

  it("counts calls, errors and sessions in Prometheus metrics", async () => {
    const { port, url, registry } = await start();
    await callHttp(port, "system_name");
    await callHttp(port, "boom");
    await callHttp(port, "does_not_exist");
    const ws = await WsClient.open(url);
    await ws.call("system_name");
    await ws.close();
    expect(
      await readMetric(registry, "substrate_rpc_calls_started", { protocol: "http", method: "system_name" }),
    ).toBe(1);
    expect(
      await readMetric(registry, "substrate_rpc_calls_finished", {
        protocol: "http",
        method: "boom",
        is_rpc_error: "true",
      }),
    ).toBe(1);
    expect(await readMetric(registry, "substrate_rpc_calls_started", { method: "unknown" })).toBe(1);
    expect(
      await readMetric(registry, "substrate_rpc_calls_started", { protocol: "ws", method: "system_name" }),
    ).toBe(1);
    expect(await readMetric(registry, "substrate_rpc_sessions_opened", { protocol: "ws" })).toBe(1);
    await expect
      .poll(() => readMetric(registry, "substrate_rpc_sessions_closed", { protocol: "ws" }))
      .toBe(1);
  });

  it("ends subscriptions and closes WebSockets on stop", async () => {
    const { url } = await start();
    const ws = await WsClient.open(url);
    const id = (await ws.call("chain_subscribeNewHead")).result as string;
    const closed = new Promise<number>((resolve) => ws.ws.once("close", (code) => resolve(code)));
    await server?.stop();
    server = undefined;
    expect(fixture.teardowns).toContain(id);
    expect(await closed).toBe(1001);
  });
});
