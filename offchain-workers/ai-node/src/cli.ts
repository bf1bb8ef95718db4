// darwin-ai-node: the AI node's command line and composition root.
//   darwin-ai-node serve --gateway http://127.0.0.1:8080 [--host 127.0.0.1] [--port 8090]
//                        [--preload <manifest CID>]... [--cache-size 8] [--timeout-ms 30000]
//                        [--batch-rows 0] [--batch-wait-ms 0] [-l info]
import { parseArgs } from "node:util";
import { parseLogDirectives } from "@darwin/observability";

export const AI_NODE_VERSION = "0.1.0";

const USAGE = `darwin-ai-node ${AI_NODE_VERSION}: Darwin AI node inference server

Usage:
  darwin-ai-node serve --gateway <url> [options]

Options:
  --gateway <url>      trustless gateway of a DA provider (e.g. a \`darwin-da serve\`); required
  --gateway-format <f> raw (a request per block, default) or car (a request per file)
  --host <addr>        listen address (default 127.0.0.1)
  --port <n>           listen port (default 8090; 0 picks a free one)
  --preload <ref>      manifest CID to fetch, verify and open at start (repeatable)
  --cache-size <n>     open ORT sessions kept (default 8)
  --workers <n>        run sessions on n worker threads (default 0: on the main thread, the
                       cheapest per call; long runs then hold up other requests)
  --timeout-ms <n>     deadline of one inference (default 30000)
  --batch-rows <n>     dynamic batching: concurrent requests for one model join one ORT run of
                       up to n rows, each still answered with its own outputs and commitment
                       (default 0: off)
  --batch-wait-ms <n>  how long a batch's first request waits for others (default 0: only
                       requests that arrive in the same event-loop turn join it)
  -l, --log <dirs>     log directives, e.g. info or ai-node/http=debug
  -V, --version        print the version
`;

function intOption(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be an integer >= ${min}, got ${value}`);
  return n;
}

/** Runs the CLI; resolves with the exit code once the server has stopped (or at once on errors). */
export async function runCli(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  const parse = (args: readonly string[]) =>
    parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        gateway: { type: "string" },
        "gateway-format": { type: "string", default: "raw" },
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string" },
        preload: { type: "string", multiple: true },
        "cache-size": { type: "string" },
        workers: { type: "string" },
        "timeout-ms": { type: "string" },
        "batch-rows": { type: "string" },
        "batch-wait-ms": { type: "string" },
        log: { type: "string", short: "l", multiple: true },
        version: { type: "boolean", short: "V" },
        help: { type: "boolean", short: "h" },
      },
    });
  try {
    parsed = parse(argv);
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`darwin-ai-node ${AI_NODE_VERSION}\n`);
    return 0;
  }
  if (values.help || positionals[0] !== "serve") {
    (values.help ? console.log : console.error)(USAGE);
    return values.help ? 0 : 2;
  }
  if (values.gateway === undefined) {
    console.error(`--gateway is required\n\n${USAGE}`);
    return 2;
  }
  let port: number;
  let cacheSize: number;
  let workers: number;
  let timeoutMs: number;
  let batchRows: number;
  let batchWaitMs: number;
  let logLevels: ReturnType<typeof parseLogDirectives>;
  const format = values["gateway-format"];
  if (format !== "raw" && format !== "car") {
    console.error(`--gateway-format must be raw or car, got ${format}`);
    return 2;
  }
  try {
    new URL(values.gateway);
    port = intOption(values.port, "port", 8090, 0);
    cacheSize = intOption(values["cache-size"], "cache-size", 8, 1);
    workers = intOption(values.workers, "workers", 0, 0);
    timeoutMs = intOption(values["timeout-ms"], "timeout-ms", 30_000, 1);
    batchRows = intOption(values["batch-rows"], "batch-rows", 0, 0);
    batchWaitMs = intOption(values["batch-wait-ms"], "batch-wait-ms", 0, 0);
    if (batchWaitMs > 60_000) throw new Error(`--batch-wait-ms must be at most 60000, got ${batchWaitMs}`);
    if (values["batch-wait-ms"] !== undefined && batchRows === 0)
      throw new Error("--batch-wait-ms needs --batch-rows (dynamic batching is off without it)");
    logLevels = parseLogDirectives(values.log ?? []);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 2;
  }

  // The engine (onnxruntime, effect, multiformats) loads only when serving: `--version` stays quick.
  const [
    { createLogger, createRegistry },
    { Cause, Effect, Exit },
    { createInferenceEngine },
    http,
    sources,
  ] = await Promise.all([
    import("@darwin/observability"),
    import("effect"),
    import("./engine.ts"),
    import("./http.ts"),
    import("./model-source.ts"),
  ]);
  const { inProcessRunner, workerPoolRunner } = await import("./runner.ts");
  const logger = createLogger({
    name: "darwin-ai-node",
    level: logLevels.level ?? "info",
    moduleLevels: logLevels.moduleLevels,
  });
  const registry = createRegistry();
  const source = sources.gatewayModelSource({ gatewayUrl: values.gateway, format });
  const runner = workers > 0 ? workerPoolRunner({ workers }) : inProcessRunner();
  if (runner.describe.includes("public API"))
    logger.warn("onnxruntime-node's native binding was not found: sessions run through its public API");
  const engine = createInferenceEngine(
    {
      cacheSize,
      timeoutMs,
      ...(batchRows > 0 ? { dynamicBatching: { maxRows: batchRows, maxWaitMs: batchWaitMs } } : {}),
    },
    { source, registry, logger, runner },
  );
  for (const model of values.preload ?? []) {
    const exit = await Effect.runPromiseExit(engine.load({ model }));
    if (Exit.isFailure(exit)) {
      const err = Cause.squash(exit.cause);
      console.error(`cannot preload ${model}: ${err instanceof Error ? err.message : String(err)}`);
      await Effect.runPromise(engine.close());
      return 1;
    }
  }
  let server: Awaited<ReturnType<typeof http.startAiNodeServer>>;
  try {
    server = await http.startAiNodeServer(
      { host: values.host, port },
      { engine, registry, logger, sourceDescription: source.describe },
    );
  } catch (err) {
    console.error(
      `cannot listen on ${values.host}:${port}: ${err instanceof Error ? err.message : String(err)}`,
    );
    await Effect.runPromise(engine.close());
    return 1;
  }
  process.stdout.write(
    `darwin-ai-node listening on ${server.url} (models from ${source.describe}, sessions ${runner.describe}${batchRows > 0 ? `, dynamic batches of up to ${batchRows} rows` : ""})\n`,
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, "shutting down");
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  await server.close();
  await Effect.runPromise(engine.close());
  return 0;
}
