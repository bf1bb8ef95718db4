// darwin-da: the DA provider's command line. `serve` runs a provider; the other commands talk to one
// over HTTP (like `ipfs` talks to its daemon), verifying everything they fetch.
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { parseCid } from "@darwin/content-id";
import { createLogger, createRegistry, type LogLevel, parseLogDirectives } from "@darwin/observability";
import { CarCIDIterator } from "@ipld/car";
import { Effect, Fiber, Layer } from "effect";
import { addressOfSecretKey, parseSecretKey } from "../auth/signature.ts";
import { createDaClient } from "../client.ts";
import { isDaError } from "../errors.ts";
import { createDaMetrics } from "../metrics.ts";
import { checkRetrievability } from "../replication/retrievability.ts";
import {
  DaRepoService,
  daRepoLive,
  Gateway,
  gatewayLive,
  gcLoop,
  noncePruneLoop,
  replicatorLive,
} from "../services.ts";

const ALITH_DEV_KEY = "0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133";
const DEFAULT_API = "http://127.0.0.1:5001";

const USAGE = `darwin-da: Darwin data-availability provider

  darwin-da serve --repo <dir> [--host 127.0.0.1] [--port 5001] [--quota-bytes N] [--quota 0xOwner=N]...
                  [--max-body-bytes N] [--peer <url>]... [--gc-interval-ms N] [--max-skew-s N] [-l <directives>]
  darwin-da add <file> [--api <url>] (--key <hex> | --dev)          prints the CID
  darwin-da get <cid> [--api <url>] [--out <file>]                 verified file bytes (stdout without --out)
  darwin-da pin add <cid> [--from <peer url>] [--api <url>] (--key <hex> | --dev)
  darwin-da pin rm <cid> [--api <url>] (--key <hex> | --dev)
  darwin-da pin ls [--owner 0x..] [--api <url>] [--key <hex> | --dev]
  darwin-da export-car <cid> [--api <url>] [--out <file>]
  darwin-da import-car <file.car> [--api <url>] (--key <hex> | --dev)
  darwin-da check <cid> --provider <url> [--samples N]            retrievability check; exit 1 on failure
  darwin-da gc [--api <url>]

The owner key may also come from DARWIN_DA_KEY. --dev uses the Alith development key.
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    repo: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5001" },
    "quota-bytes": { type: "string", default: String(10 * 2 ** 30) },
    quota: { type: "string", multiple: true },
    "max-body-bytes": { type: "string", default: String(2 ** 30) },
    peer: { type: "string", multiple: true },
    "gc-interval-ms": { type: "string", default: "600000" },
    "max-skew-s": { type: "string", default: "300" },
    log: { type: "string", short: "l", multiple: true },
    pretty: { type: "boolean", default: false },
    api: { type: "string", default: process.env.DARWIN_DA_API ?? DEFAULT_API },
    key: { type: "string" },
    dev: { type: "boolean", default: false },
    out: { type: "string" },
    from: { type: "string" },
    owner: { type: "string" },
    provider: { type: "string" },
    samples: { type: "string", default: "16" },
    help: { type: "boolean", short: "h", default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`darwin-da: ${message}\n`);
  process.exit(2);
}

function int(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) fail(`--${name} must be a non-negative integer`);
  return n;
}

function secretKey(): Uint8Array {
  const hex = values.key ?? process.env.DARWIN_DA_KEY ?? (values.dev ? ALITH_DEV_KEY : undefined);
  if (hex === undefined)
    fail("this command signs as an owner: pass --key <hex>, set DARWIN_DA_KEY, or use --dev");
  return parseSecretKey(hex);
}

function cidArg(text: string | undefined) {
  if (text === undefined) fail("a CID is required");
  try {
    return parseCid(text);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}

async function writeOut(chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const sink = values.out ? createWriteStream(values.out) : process.stdout;
  await pipeline(chunks, sink);
}

async function serve(): Promise<void> {
  if (values.repo === undefined) fail("serve needs --repo <dir>");
  const { level, moduleLevels } = parseLogDirectives(values.log ?? []);
  const logger = createLogger({
    name: "darwin-da",
    level: (level ?? "info") as LogLevel,
    moduleLevels,
    pretty: values.pretty,
  });
  const registry = createRegistry();
  const metrics = createDaMetrics(registry);
  const obs = { logger, registry, metrics };
  const quotas: Record<string, number> = {};
  for (const entry of values.quota ?? []) {
    const [owner, bytes] = entry.split("=");
    if (owner === undefined || !/^0x[0-9a-fA-F]{40}$/.test(owner))
      fail(`--quota ${entry}: expected 0xOwner=bytes`);
    quotas[owner.toLowerCase()] = int("quota", bytes);
  }
  const gcInterval = int("gc-interval-ms", values["gc-interval-ms"]);
  const layer = gatewayLive(
    {
      host: values.host,
      port: int("port", values.port),
      maxBodyBytes: int("max-body-bytes", values["max-body-bytes"]),
      maxSkewSeconds: int("max-skew-s", values["max-skew-s"]),
      peers: values.peer ?? [],
    },
    obs,
  );
  const full = layer.pipe(
    Layer.provideMerge(replicatorLive(obs)),
    Layer.provideMerge(
      daRepoLive(
        { path: values.repo, defaultQuotaBytes: int("quota-bytes", values["quota-bytes"]), quotas },
        obs,
      ),
    ),
  );
  const program = Effect.gen(function* () {
    const gateway = yield* Gateway;
    const repo = yield* DaRepoService;
    metrics.pins.set([...repo.allPins()].length);
    process.stdout.write(`darwin-da listening on ${gateway.url}\n`);
    if (gcInterval > 0) yield* Effect.forkChild(gcLoop(gcInterval));
    yield* Effect.forkChild(noncePruneLoop(60_000));
    return yield* Effect.never;
  }).pipe(Effect.provide(full));
  const fiber = Effect.runFork(program);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    Effect.runPromise(Fiber.interrupt(fiber)).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  const exit = await Effect.runPromise(Fiber.await(fiber));
  if (!stopping) {
    logger.error({ exit: String(exit) }, "provider stopped");
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const [command, ...args] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return;
  }
  const client = () => {
    const key = values.key ?? process.env.DARWIN_DA_KEY ?? (values.dev ? ALITH_DEV_KEY : undefined);
    return createDaClient({ url: values.api, ...(key ? { secretKey: parseSecretKey(key) } : {}) });
  };
  switch (command) {
    case "serve":
      return serve();
    case "add": {
      const file = args[0] ?? fail("add needs a file");
      secretKey();
      await stat(file);
      const result = await client().add(() => createReadStream(file));
      process.stdout.write(`${result.cid.toString()}\n`);
      return;
    }
    case "get": {
      const cid = cidArg(args[0]);
      const bytes = await client().getVerified(cid);
      await writeOut(
        (async function* () {
          yield bytes;
        })(),
      );
      return;
    }
    case "export-car": {
      const cid = cidArg(args[0]);
      await writeOut(await client().getCar(cid));
      return;
    }
    case "import-car": {
      const file = args[0] ?? fail("import-car needs a CAR file");
      secretKey();
      const roots = await (await CarCIDIterator.fromIterable(createReadStream(file))).getRoots();
      const root = roots[0] ?? fail(`${file} names no root`);
      const result = await client().importCar(() => createReadStream(file), root);
      process.stdout.write(`${result.roots.map((r) => r.toString()).join("\n")}\n`);
      return;
    }
    case "pin": {
      const [sub, target] = args;
      if (sub === "add") {
        secretKey();
        const result = await client().pin(cidArg(target), values.from);
        process.stdout.write(
          `pinned ${target} (${result.bytes} bytes)${result.replicatedFrom ? ` from ${result.replicatedFrom}` : ""}\n`,
        );
      } else if (sub === "rm") {
        secretKey();
        await client().unpin(cidArg(target));
        process.stdout.write(`unpinned ${target}\n`);
      } else if (sub === "ls") {
        const owner = values.owner ?? addressOfSecretKey(secretKey());
        process.stdout.write(`${JSON.stringify(await client().pins(owner), null, 2)}\n`);
      } else {
        fail("pin add|rm|ls");
      }
      return;
    }
    case "check": {
      const cid = cidArg(args[0]);
      if (values.provider === undefined) fail("check needs --provider <url>");
      const report = await checkRetrievability({
        provider: values.provider,
        cid,
        samples: int("samples", values.samples),
      });
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      if (!report.passed) process.exitCode = 1;
      return;
    }
    case "gc": {
      process.stdout.write(`${JSON.stringify(await client().gc())}\n`);
      return;
    }
    default:
      fail(`unknown command ${command}\n${USAGE}`);
  }
}

main().catch((err: unknown) => {
  if (isDaError(err)) {
    process.stderr.write(`darwin-da: ${err.code}: ${err.message}\n`);
  } else {
    process.stderr.write(`darwin-da: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
});
