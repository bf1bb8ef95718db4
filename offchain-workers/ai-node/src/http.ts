// The AI node's HTTP API (JSON in, JSON out; NDJSON for streamed generation), for local use and tests.
//   GET  /health                 liveness and loaded models
//   GET  /metrics                Prometheus text
//   GET  /v1/models              loaded models
//   POST /v1/models              {model, stage?}: fetch, verify and open a model
//   POST /v1/infer               {model, stage?, inputs: {name: {dtype, shape, data}}, timeoutMs?}
//   POST /v1/infer/batch         {model, stage?, inputs: [{name: tensor}, ...]}
//   POST /v1/generate            {model, prompt, maxTokens, temperature?, seed?} -> NDJSON lines, or
//                                Server-Sent Events (`token`, `done`, `error`) with Accept: text/event-stream
// Errors answer `{error: {code, message}}` with the status of ERROR_HTTP_STATUS.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Logger, Registry } from "@darwin/observability";
import { Cause, Effect, Exit } from "effect";
import { type InferenceEngineShape, type InferResult, isInferenceError, type LoadedModel } from "./engine.ts";
import { ERROR_HTTP_STATUS, type InferenceError, MalformedInput } from "./errors.ts";
import { generate } from "./generate.ts";
import { namedTensorsFromJson, tensorToJson } from "./tensor.ts";

export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface AiNodeServerOpts {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export interface AiNodeServerModules {
  readonly engine: InferenceEngineShape;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly sourceDescription?: string;
}

export interface AiNodeServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, "PayloadTooLarge", `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new MalformedInput({ message: "the request body is not valid JSON" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new MalformedInput({ message: "the request body must be a JSON object" });
  return value as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
    .end(text);
}

function errorBody(err: unknown): { status: number; body: { error: { code: string; message: string } } } {
  if (isInferenceError(err)) {
    return { status: ERROR_HTTP_STATUS[err._tag], body: { error: { code: err._tag, message: err.message } } };
  }
  if (err instanceof HttpError)
    return { status: err.status, body: { error: { code: err.code, message: err.message } } };
  return {
    status: 500,
    body: { error: { code: "Internal", message: err instanceof Error ? err.message : String(err) } },
  };
}

async function run<A>(effect: Effect.Effect<A, InferenceError>): Promise<A> {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) return exit.value;
  throw Cause.squash(exit.cause);
}

function modelRef(body: Record<string, unknown>): { model: string; stage?: string } {
  if (typeof body.model !== "string" || body.model === "")
    throw new MalformedInput({ message: "`model` (a manifest CID or a loaded model's name) is required" });
  if (body.stage !== undefined && typeof body.stage !== "string")
    throw new MalformedInput({ message: "`stage` must be a string" });
  return body.stage === undefined ? { model: body.model } : { model: body.model, stage: body.stage };
}

function timeoutOf(body: Record<string, unknown>): { timeoutMs?: number } {
  if (body.timeoutMs === undefined) return {};
  if (typeof body.timeoutMs !== "number" || !(body.timeoutMs > 0))
    throw new MalformedInput({ message: "timeoutMs must be > 0" });
  return { timeoutMs: body.timeoutMs };
}

function resultJson(r: InferResult) {
  return {
    model: r.model,
    label: r.label,
    modelCid: r.modelCid,
    outputs: Object.fromEntries(Object.entries(r.outputs).map(([k, t]) => [k, tensorToJson(t)])),
    commitment: r.commitment,
    durationMs: r.durationMs,
  };
}

function modelJson(m: LoadedModel) {
  return {
    model: m.model,
    name: m.name,
    version: m.version,
    stage: m.stage ?? null,
    label: m.label,
    modelCid: m.modelCid,
    inputs: m.inputs,
    outputs: m.outputs,
  };
}

export async function startAiNodeServer(
  opts: AiNodeServerOpts,
  modules: AiNodeServerModules,
): Promise<AiNodeServer> {
  const { engine, registry } = modules;
  const log = modules.logger.child({ module: "ai-node/http" });

  const streamGenerate = async (
    body: Record<string, unknown>,
    res: ServerResponse,
    sse: boolean,
  ): Promise<void> => {
    const { model } = modelRef(body);
    if (typeof body.prompt !== "string") throw new MalformedInput({ message: "`prompt` must be a string" });
    const maxTokens = body.maxTokens ?? 32;
    if (typeof maxTokens !== "number") throw new MalformedInput({ message: "`maxTokens` must be a number" });
    const tokens = generate(engine, {
      model,
      prompt: body.prompt,
      maxTokens,
      ...(typeof body.temperature === "number" ? { temperature: body.temperature } : {}),
      ...(typeof body.seed === "number" ? { seed: body.seed } : {}),
    });
    // The first token is awaited before the headers go out, so a bad request still gets a plain
    // JSON error with its status; after that, errors arrive as a final `{"error": ...}` line.
    const first = await tokens.next();
    res.writeHead(200, {
      "content-type": sse ? "text/event-stream" : "application/x-ndjson",
      "cache-control": "no-store",
    });
    let text = "";
    let count = 0;
    const write = (line: unknown, event: "token" | "done" | "error" = "token") =>
      res.write(sse ? `event: ${event}\ndata: ${JSON.stringify(line)}\n\n` : `${JSON.stringify(line)}\n`);
    try {
      for (let step = first; !step.done; step = await tokens.next()) {
        if (res.destroyed) {
          await tokens.return(undefined);
          return;
        }
        text += step.value.text;
        count++;
        write(step.value);
      }
      write({ done: true, tokens: count, text }, "done");
    } catch (err) {
      write(errorBody(err).body, "error");
    }
    res.end();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = `${req.method ?? "GET"} ${url.pathname}`;
    switch (route) {
      case "GET /health":
        return send(res, 200, {
          status: "ok",
          source: modules.sourceDescription ?? "unknown",
          models: engine.loaded().map((m) => m.label),
        });
      case "GET /metrics": {
        const text = await registry.metrics();
        res.writeHead(200, { "content-type": registry.contentType }).end(text);
        return;
      }
      case "GET /v1/models":
        return send(res, 200, { models: engine.loaded().map(modelJson) });
      case "POST /v1/models": {
        const body = await readJson(req);
        return send(res, 200, modelJson(await run(engine.load(modelRef(body)))));
      }
      case "POST /v1/infer": {
        const body = await readJson(req);
        const inputs = namedTensorsFromJson(body.inputs);
        return send(
          res,
          200,
          resultJson(await run(engine.infer({ ...modelRef(body), inputs, ...timeoutOf(body) }))),
        );
      }
      case "POST /v1/infer/batch": {
        const body = await readJson(req);
        if (!Array.isArray(body.inputs) || body.inputs.length === 0 || body.inputs.length > 1024)
          throw new MalformedInput({ message: "`inputs` must be an array of 1..1024 named-tensor objects" });
        const list = body.inputs.map((i) => namedTensorsFromJson(i));
        const results = await run(engine.inferBatch(modelRef(body), list, timeoutOf(body)));
        return send(res, 200, { results: results.map(resultJson) });
      }
      case "POST /v1/generate":
        return streamGenerate(
          await readJson(req),
          res,
          (req.headers.accept ?? "").includes("text/event-stream"),
        );
      default:
        throw new HttpError(404, "NotFound", `no route ${route}`);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const { status, body } = errorBody(err);
      if (status >= 500) log.warn({ err: body.error }, "request failed");
      else log.debug({ err: body.error }, "request rejected");
      if (res.headersSent) res.end();
      else send(res, status, body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : opts.port;
  return {
    port,
    url: `http://${opts.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
