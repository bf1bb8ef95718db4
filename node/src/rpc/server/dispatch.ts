import { randomBytes } from "node:crypto";
import type { Logger } from "@darwin/observability";
import { isRpcError, RpcError, RpcErrorCode, type RpcErrorObject } from "./errors.ts";
import type { RpcMetrics } from "./metrics.ts";
import type { ResolvedMethod } from "./table.ts";
import type {
  RpcCallContext,
  RpcSubscriptionMethod,
  RpcTransport,
  SubscriptionSink,
  Unsubscribe,
} from "./types.ts";

type JsonRpcId = string | number | null;

/** One client session: an HTTP request, or a WebSocket connection with its subscriptions. */
export interface RpcSession {
  readonly transport: RpcTransport;
  readonly id: number;
  readonly remoteAddress: string | undefined;
  /** Writes one text frame (WebSocket only; never called for HTTP sessions). */
  send(text: string): void;
  readonly subscriptions: Map<string, ActiveSubscription>;
}

export interface ActiveSubscription {
  readonly unsubscribeMethod: string;
  /** Ends it: runs its teardown once and forgets it. Idempotent. */
  end(): void;
}

export interface DispatchLimits {
  readonly maxResponseBytes: number;
  readonly maxSubscriptionsPerConnection: number;
  readonly maxBatchLength: number;
}

/** What the transport writes, then runs `afterSend` so subscriptions start after their id reply. */
export interface DispatchOutcome {
  readonly response: string | undefined;
  readonly afterSend: Array<() => void>;
}

interface Request {
  readonly id: JsonRpcId | undefined;
  readonly method: string;
  readonly params: unknown;
}

const ALPHANUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A subscription id: Substrate's 16 random alphanumerics (jsonrpsee's RandomStringIdProvider), or
 * Frontier's hex form (`0x` and a random u128).
 */
export function newSubscriptionId(format: "alphanumeric" | "hex" = "alphanumeric"): string {
  if (format === "hex") return `0x${randomBytes(16).toString("hex")}`;
  const bytes = randomBytes(16);
  let out = "";
  for (const b of bytes) out += ALPHANUM[b % ALPHANUM.length];
  return out;
}

function errorResponse(id: JsonRpcId, error: RpcErrorObject): Record<string, unknown> {
  return { jsonrpc: "2.0", error, id };
}

/** Error replies; their `data` comes from handlers, so it too may not be JSON-serialisable. */
function serialise(reply: Record<string, unknown>): string {
  try {
    return JSON.stringify(reply);
  } catch {
    const error = reply.error as RpcErrorObject;
    return JSON.stringify({ ...reply, error: { code: error.code, message: error.message } });
  }
}

function toErrorObject(err: unknown, method: string, logger: Logger): RpcErrorObject {
  if (isRpcError(err)) return err.toJSON();
  const message = err instanceof Error ? err.message : String(err);
  logger.warn({ method, err }, "RPC handler failed");
  return { code: RpcErrorCode.InternalError, message: "Internal error", data: message };
}

/**
 * The transport-independent half of the server: parses JSON-RPC 2.0 text, resolves methods, runs
 * handlers and subscriptions, and produces the reply text.
 */
export class RpcDispatcher {
  readonly #methods: ReadonlyMap<string, ResolvedMethod>;
  readonly #limits: DispatchLimits;
  readonly #logger: Logger;
  readonly #metrics: RpcMetrics | undefined;

  constructor(
    opts: { readonly methods: ReadonlyMap<string, ResolvedMethod>; readonly limits: DispatchLimits },
    modules: { readonly logger: Logger; readonly metrics?: RpcMetrics | undefined },
  ) {
    this.#methods = opts.methods;
    this.#limits = opts.limits;
    this.#logger = modules.logger;
    this.#metrics = modules.metrics;
  }

  async handleText(text: string, session: RpcSession): Promise<DispatchOutcome> {
    const afterSend: Array<() => void> = [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return {
        response: serialise(errorResponse(null, { code: RpcErrorCode.ParseError, message: "Parse error" })),
        afterSend,
      };
    }
    if (Array.isArray(parsed)) {
      if (parsed.length === 0) {
        return {
          response: serialise(
            errorResponse(null, {
              code: RpcErrorCode.InvalidRequest,
              message: "Invalid request: empty batch",
            }),
          ),
          afterSend,
        };
      }
      if (parsed.length > this.#limits.maxBatchLength) {
        return {
          response: serialise(
            errorResponse(null, {
              code: RpcErrorCode.TooBigBatchRequest,
              message: `The batch request was too large: ${parsed.length} calls, at most ${this.#limits.maxBatchLength} allowed`,
            }),
          ),
          afterSend,
        };
      }
      const replies = await Promise.all(parsed.map((item) => this.#handleOne(item, session, afterSend)));
      const present = replies.filter((r) => r !== undefined);
      if (present.length === 0) return { response: undefined, afterSend };
      const batch = `[${present.join(",")}]`;
      if (Buffer.byteLength(batch) <= this.#limits.maxResponseBytes) return { response: batch, afterSend };
      // A batch whose answers together are too big is refused as a whole, as jsonrpsee does.
      return {
        response: serialise(errorResponse(null, oversizedResponse(this.#limits.maxResponseBytes))),
        afterSend,
      };
    }
    return { response: await this.#handleOne(parsed, session, afterSend), afterSend };
  }

  /** Runs one call and returns its serialised reply (undefined for notifications). */
  async #handleOne(
    raw: unknown,
    session: RpcSession,
    afterSend: Array<() => void>,
  ): Promise<string | undefined> {
    const req = parseRequest(raw);
    if ("error" in req) return serialise(errorResponse(req.id, req.error));
    const isNotification = req.id === undefined;
    const id: JsonRpcId = req.id ?? null;
    const resolved = this.#methods.get(req.method);
    const label = resolved === undefined ? "unknown" : req.method;
    this.#metrics?.callsStarted.inc({ protocol: session.transport, method: label });
    const finish = (isError: boolean): void => {
      this.#metrics?.callsFinished.inc({
        protocol: session.transport,
        method: label,
        is_rpc_error: isError ? "true" : "false",
      });
    };
    let reply: string;
    try {
      const result = await this.#invoke(req, resolved, session, afterSend, isNotification);
      if (isNotification) {
        finish(false);
        return undefined;
      }
      reply = JSON.stringify({ jsonrpc: "2.0", result: result === undefined ? null : result, id });
    } catch (err) {
      finish(true);
      if (isNotification) return undefined;
      // Handler errors and results JSON cannot carry (BigInt, cycles) both end here.
      return serialise(errorResponse(id, toErrorObject(err, req.method, this.#logger)));
    }
    // Checked per call so one oversized answer in a batch does not sink the others.
    if (Buffer.byteLength(reply) > this.#limits.maxResponseBytes) {
      finish(true);
      return serialise(errorResponse(id, oversizedResponse(this.#limits.maxResponseBytes)));
    }
    finish(false);
    return reply;
  }

  async #invoke(
    req: Request,
    resolved: ResolvedMethod | undefined,
    session: RpcSession,
    afterSend: Array<() => void>,
    isNotification: boolean,
  ): Promise<unknown> {
    if (resolved === undefined) throw RpcError.methodNotFound(req.method);
    if (resolved.kind === "unsafe") {
      throw RpcError.methodNotFound(
        req.method,
        `${req.method} is an unsafe method and this node serves safe methods only (start it with --rpc-methods unsafe)`,
      );
    }
    const ctx: RpcCallContext = {
      transport: session.transport,
      connectionId: session.id,
      remoteAddress: session.remoteAddress,
      method: req.method,
    };
    if (resolved.kind === "call") {
      const params = positionalParams(req.params, resolved.method.paramNames);
      return await resolved.method.handler(params, ctx);
    }
    if (session.transport === "http") {
      throw RpcError.methodNotFound(
        req.method,
        `${req.method} is a subscription method and subscriptions need a WebSocket connection, not HTTP`,
      );
    }
    if (resolved.kind === "unsubscribe") {
      const params = positionalParams(req.params, ["subscription"]);
      const subId = params[0];
      if (typeof subId !== "string") throw RpcError.invalidParams("expected a subscription id (string)");
      const active = session.subscriptions.get(subId);
      if (active === undefined || active.unsubscribeMethod !== req.method) return false;
      active.end();
      return true;
    }
    // A subscription requested as a notification has nowhere to announce its id: ignore it.
    if (isNotification) return undefined;
    return await this.#subscribe(req, resolved.method, session, afterSend, ctx);
  }

  async #subscribe(
    req: Request,
    method: RpcSubscriptionMethod,
    session: RpcSession,
    afterSend: Array<() => void>,
    ctx: RpcCallContext,
  ): Promise<string> {
    if (session.subscriptions.size >= this.#limits.maxSubscriptionsPerConnection) {
      throw new RpcError(
        RpcErrorCode.TooManySubscriptions,
        `Too many subscriptions on the connection: at most ${this.#limits.maxSubscriptionsPerConnection} allowed`,
      );
    }
    const params = positionalParams(req.params, method.paramNames);
    const spec = method.subscription;
    const notification =
      typeof spec.notification === "string" ? spec.notification : spec.notification(params);
    let subId = newSubscriptionId(spec.idFormat);
    while (session.subscriptions.has(subId)) subId = newSubscriptionId(spec.idFormat);
    const id = subId;

    let active = true;
    let started = false;
    const pending: string[] = [];
    let teardown: Unsubscribe | undefined;
    const logger = this.#logger;
    const metrics = this.#metrics;
    const runTeardown = (): void => {
      const fn = teardown;
      teardown = undefined;
      if (fn === undefined) return;
      try {
        const done = fn();
        if (done instanceof Promise) {
          done.catch((err: unknown) => logger.warn({ err, method: req.method }, "unsubscribe failed"));
        }
      } catch (err) {
        logger.warn({ err, method: req.method }, "unsubscribe failed");
      }
    };
    const end = (): void => {
      if (!active) return;
      active = false;
      session.subscriptions.delete(id);
      metrics?.subscriptions.dec({ protocol: session.transport });
      runTeardown();
    };
    const write = (text: string): void => {
      if (started) session.send(text);
      else pending.push(text);
    };
    const sink: SubscriptionSink = {
      id,
      get active() {
        return active;
      },
      next(result: unknown) {
        if (!active) return;
        let text: string;
        try {
          text = JSON.stringify({
            jsonrpc: "2.0",
            method: notification,
            params: { subscription: id, result: result === undefined ? null : result },
          });
        } catch (err) {
          logger.warn({ err, notification }, "subscription result is not JSON-serialisable; ending it");
          sink.error(RpcError.internal("subscription result could not be serialised"));
          return;
        }
        write(text);
      },
      error(err: unknown) {
        if (!active) return;
        const error = toErrorObject(err, req.method, logger);
        write(JSON.stringify({ jsonrpc: "2.0", method: notification, params: { subscription: id, error } }));
        end();
      },
      complete() {
        end();
      },
    };
    session.subscriptions.set(id, { unsubscribeMethod: spec.unsubscribe, end });
    metrics?.subscriptions.inc({ protocol: session.transport });
    try {
      const fn = await spec.subscribe(params, ctx, sink);
      teardown = fn;
      // Ended while subscribe() was still running (connection closed, or sink completed at once).
      if (!active) runTeardown();
    } catch (err) {
      pending.length = 0;
      end();
      throw err;
    }
    afterSend.push(() => {
      started = true;
      for (const text of pending.splice(0)) session.send(text);
    });
    return id;
  }
}

function oversizedResponse(max: number): RpcErrorObject {
  return {
    code: RpcErrorCode.OversizedResponse,
    message: `Response is too big: exceeded max limit of ${max} bytes`,
  };
}

function parseRequest(raw: unknown): Request | { id: JsonRpcId; error: RpcErrorObject } {
  const invalid = (id: JsonRpcId, why: string) => ({
    id,
    error: { code: RpcErrorCode.InvalidRequest, message: `Invalid request: ${why}` },
  });
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return invalid(null, "not an object");
  const obj = raw as Record<string, unknown>;
  const rawId = obj.id;
  const hasId = Object.hasOwn(obj, "id");
  const idOk =
    rawId === null || typeof rawId === "string" || (typeof rawId === "number" && Number.isFinite(rawId));
  if (hasId && !idOk) return invalid(null, "id must be a string, a number or null");
  const id = hasId ? (rawId as JsonRpcId) : undefined;
  if (obj.jsonrpc !== "2.0") return invalid(id ?? null, 'jsonrpc must be "2.0"');
  if (typeof obj.method !== "string" || obj.method === "")
    return invalid(id ?? null, "method must be a string");
  const params = obj.params;
  if (params !== undefined && params !== null && typeof params !== "object") {
    return invalid(id ?? null, "params must be an array or an object");
  }
  return { id, method: obj.method, params };
}

function positionalParams(params: unknown, names: readonly string[] | undefined): unknown[] {
  if (params === undefined || params === null) return [];
  if (Array.isArray(params)) return params;
  if (names === undefined) throw RpcError.invalidParams("this method takes positional (array) params");
  const obj = params as Record<string, unknown>;
  const known = new Set(names);
  for (const key of Object.keys(obj)) {
    if (!known.has(key)) throw RpcError.invalidParams(`unknown parameter ${key}`);
  }
  const out = names.map((n) => obj[n]);
  while (out.length > 0 && out[out.length - 1] === undefined) out.pop();
  return out;
}
