/** Command-line parsing, compatible with Substrate's flags (and so with zombienet). */

export class CliError extends Error {
  readonly code = "BadArguments";
}

export interface RunOptions {
  chain: string;
  dev: boolean;
  tmp: boolean;
  basePath: string | undefined;
  name: string | undefined;
  validator: boolean;
  devKey: string | undefined;
  rpcPort: number;
  rpcExternal: boolean;
  rpcCors: "all" | "none" | string[];
  rpcMethods: "safe" | "unsafe" | "auto";
  rpcMaxConnections: number;
  rpcMaxRequestSize: number;
  rpcMaxResponseSize: number;
  port: number | undefined;
  listenAddr: string[];
  prometheusPort: number;
  prometheusExternal: boolean;
  noPrometheus: boolean;
  nodeKey: string | undefined;
  bootnodes: string[];
  sealing: string | undefined;
  /** Where blocks are built: a worker thread (default) or the thread that serves RPC. */
  blockBuilder: "worker" | "main";
  statePruning: string | undefined;
  /** Substrate's `--trie-cache-size` in bytes: how much decoded trie data stays in memory. */
  trieCacheBytes: number;
  log: string[];
  noMdns: boolean;
  noTelemetry: boolean;
}

const AUTHORITY_FLAGS = ["alice", "bob", "charlie", "dave", "eve", "ferdie"] as const;

const BOOLEAN_FLAGS = new Set([
  "dev",
  "tmp",
  "validator",
  "rpc-external",
  "unsafe-rpc-external",
  "prometheus-external",
  "no-prometheus",
  "no-mdns",
  "no-telemetry",
  "insecure-validator-i-know-what-i-do",
  "disable-default-bootnode",
  "raw",
  "no-private-ipv4",
  "discover-local",
  "unsafe-force-node-key-generation",
  "allow-private-ip",
  "no-hardware-benchmarks",
  "force-authoring",
  "detailed-log-output",
  "disable-log-color",
  "enable-log-reloading",
  ...AUTHORITY_FLAGS,
]);

/** Flags we accept (for compatibility) but that change nothing here. */
const IGNORED_VALUE_FLAGS = new Set([
  "telemetry-url",
  "public-addr",
  "out-peers",
  "in-peers",
  "database",
  "db-cache",
  "trie-cache-size",
  "wasm-execution",
  "execution",
  "sync",
  "pool-limit",
  "pool-kbytes",
  "max-runtime-instances",
  "offchain-worker",
  "blocks-pruning",
  "rpc-max-subscriptions-per-connection",
  "rpc-rate-limit",
  "node-key-file",
  "reserved-nodes",
  "rpc-max-batch-request-len",
]);

export interface ParsedArgs {
  readonly command: string | undefined;
  readonly flags: Map<string, string[]>;
  readonly positionals: string[];
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-l") {
      const v = argv[++i];
      if (v === undefined) throw new CliError("-l needs a value");
      push(flags, "log", v);
      continue;
    }
    if (arg === "-d") {
      const v = argv[++i];
      if (v === undefined) throw new CliError("-d needs a value");
      push(flags, "base-path", v);
      continue;
    }
    if (arg === "-h") {
      push(flags, "help", "true");
      continue;
    }
    if (arg === "-V") {
      push(flags, "version", "true");
      continue;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      if (name === "help" || name === "version") {
        push(flags, name, "true");
        continue;
      }
      if (BOOLEAN_FLAGS.has(name)) {
        push(flags, name, eq === -1 ? "true" : arg.slice(eq + 1));
        continue;
      }
      if (!KNOWN_VALUE_FLAGS.has(name) && !IGNORED_VALUE_FLAGS.has(name)) {
        throw new CliError(`unexpected argument '--${name}' found`);
      }
      let value: string | undefined;
      if (eq !== -1) value = arg.slice(eq + 1);
      else {
        value = argv[i + 1];
        if (value === undefined || (value.startsWith("--") && value.length > 2))
          throw new CliError(`--${name} needs a value`);
        i++;
      }
      push(flags, name, value);
      continue;
    }
    if (
      command === undefined &&
      positionals.length === 0 &&
      /^[a-z][a-z-]*$/.test(arg) &&
      SUBCOMMANDS.has(arg)
    )
      command = arg;
    else positionals.push(arg);
  }
  return { command, flags, positionals };
}

export const SUBCOMMANDS = new Set([
  "build-spec",
  "key",
  "purge-chain",
  "export-blocks",
  "import-blocks",
  "check-block",
  "revert",
  "export-state",
]);

function push(flags: Map<string, string[]>, name: string, value: string): void {
  const list = flags.get(name) ?? [];
  list.push(value);
  flags.set(name, list);
}

function last(flags: Map<string, string[]>, name: string): string | undefined {
  return flags.get(name)?.at(-1);
}

function port(flags: Map<string, string[]>, name: string, fallback: number): number {
  const v = last(flags, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CliError(`--${name} must be a port number, got ${v}`);
  return n;
}

const KNOWN_VALUE_FLAGS = new Set([
  "chain",
  "base-path",
  "name",
  "rpc-port",
  "rpc-cors",
  "rpc-methods",
  "rpc-max-connections",
  "rpc-max-request-size",
  "rpc-max-response-size",
  "port",
  "listen-addr",
  "prometheus-port",
  "node-key",
  "bootnodes",
  "sealing",
  "block-builder",
  "state-pruning",
  "trie-cache-size",
  "log",
  "ws-port",
  "keystore-path",
  "suri",
  "key-type",
  "scheme",
  "output-type",
  "words",
  "from",
  "to",
  "format",
  "password",
]);

export function runOptions(parsed: ParsedArgs): RunOptions {
  for (const name of parsed.flags.keys()) {
    if (
      !BOOLEAN_FLAGS.has(name) &&
      !KNOWN_VALUE_FLAGS.has(name) &&
      !IGNORED_VALUE_FLAGS.has(name) &&
      name !== "help" &&
      name !== "version"
    ) {
      throw new CliError(`unexpected argument '--${name}' found`);
    }
  }
  const f = parsed.flags;
  const has = (n: string) => f.has(n) && last(f, n) !== "false";
  const dev = has("dev");
  const devKey = AUTHORITY_FLAGS.find((a) => has(a));
  const rpcExternal = has("rpc-external") || has("unsafe-rpc-external");
  const corsRaw = last(f, "rpc-cors");
  const rpcCors: RunOptions["rpcCors"] =
    corsRaw === undefined
      ? dev
        ? "all"
        : [
            "http://localhost:*",
            "http://127.0.0.1:*",
            "https://localhost:*",
            "https://127.0.0.1:*",
            "https://polkadot.js.org",
          ]
      : corsRaw === "all"
        ? "all"
        : corsRaw === "none"
          ? "none"
          : corsRaw.split(",").map((s) => s.trim());
  const methodsRaw = last(f, "rpc-methods") ?? "auto";
  if (!["safe", "unsafe", "auto"].includes(methodsRaw.toLowerCase()))
    throw new CliError(`--rpc-methods must be safe, unsafe or auto, got ${methodsRaw}`);
  const mb = (name: string, fallback: number) => {
    const v = last(f, name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new CliError(`--${name} must be a positive number`);
    return Math.floor(n * 1024 * 1024);
  };
  const maxConn = last(f, "rpc-max-connections");
  return {
    chain: last(f, "chain") ?? (dev ? "dev" : "local"),
    dev,
    tmp: has("tmp") || dev,
    basePath: last(f, "base-path"),
    name: last(f, "name"),
    validator: has("validator") || dev || devKey !== undefined,
    devKey: devKey ?? (dev ? "alice" : undefined),
    rpcPort: port(f, "rpc-port", port(f, "ws-port", 9944)),
    rpcExternal,
    rpcCors,
    rpcMethods: methodsRaw.toLowerCase() as RunOptions["rpcMethods"],
    rpcMaxConnections: maxConn === undefined ? 100 : Number(maxConn),
    rpcMaxRequestSize: mb("rpc-max-request-size", 15 * 1024 * 1024),
    rpcMaxResponseSize: mb("rpc-max-response-size", 15 * 1024 * 1024),
    port: f.has("port") ? port(f, "port", 30333) : undefined,
    listenAddr: f.get("listen-addr") ?? [],
    prometheusPort: port(f, "prometheus-port", 9615),
    prometheusExternal: has("prometheus-external"),
    noPrometheus: has("no-prometheus"),
    nodeKey: last(f, "node-key"),
    bootnodes: (f.get("bootnodes") ?? []).flatMap((b) => b.split(/[ ,]+/)).filter(Boolean),
    sealing: last(f, "sealing") ?? (dev ? "instant" : undefined),
    blockBuilder: (() => {
      const v = last(f, "block-builder") ?? "worker";
      if (v !== "worker" && v !== "main")
        throw new CliError(`--block-builder must be worker or main, got ${v}`);
      return v;
    })(),
    statePruning: last(f, "state-pruning"),
    trieCacheBytes: (() => {
      const v = last(f, "trie-cache-size");
      if (v === undefined) return 64 * 1024 * 1024;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0)
        throw new CliError(`--trie-cache-size must be a number of bytes, got ${v}`);
      return n;
    })(),
    log: f.get("log") ?? [],
    noMdns: has("no-mdns"),
    noTelemetry: has("no-telemetry"),
  };
}

export const HELP = `darwin-node: the Darwin chain node

Usage: darwin-node [OPTIONS]
       darwin-node <COMMAND>

Commands:
  build-spec     Build a chain specification (--chain <dev|local|path> [--raw] [--disable-default-bootnode])
  key            Key management: key generate | key insert --suri <suri> --key-type <aura|gran> [--base-path] [--chain]
  purge-chain    Remove the whole chain database (--base-path, --chain)
  export-blocks  Export blocks to a file or stdout ([--from N] [--to N] <output>)
  import-blocks  Import blocks from a file or stdin (<input>)

Options:
      --chain <CHAIN_SPEC>          dev, local or a path to a chain spec file
      --dev                         Single-authority dev chain: Alith funded and sudo, --tmp, instant sealing
      --tmp                         Run on a temporary database, deleted on exit
  -d, --base-path <PATH>            Where the database and keystore live
      --name <NAME>                 Human-readable node name
      --validator                   Author blocks (with the keystore's aura key)
      --alice|--bob|--charlie|--dave|--eve|--ferdie
                                    Use the well-known dev authority keys
      --sealing <instant|manual|MS> Development block production instead of Aura slots
      --block-builder <worker|main> Build blocks on a worker thread (default) or on the RPC thread
      --rpc-port <PORT>             JSON-RPC port, HTTP and WebSocket (default 9944)
      --rpc-external                Listen on all interfaces for RPC
      --unsafe-rpc-external         Same, and allow unsafe methods
      --rpc-methods <safe|unsafe|auto>
      --rpc-cors <all|none|ORIGINS>
      --rpc-max-connections <N>     (default 100)
      --rpc-max-request-size <MB>   (default 15)
      --port <PORT>                 p2p port
      --listen-addr <MULTIADDR>     p2p listen address
      --prometheus-port <PORT>      (default 9615)
      --prometheus-external         Expose Prometheus on all interfaces
      --no-prometheus               Do not serve metrics
      --node-key <HEX>              ed25519 secret seed of the network identity
      --bootnodes <MULTIADDR>...    Peers to connect to at start
      --state-pruning <archive|N>   Keep all states or the last N finalized ones
      --trie-cache-size <BYTES>     Memory for cached trie nodes (default 64 MiB)
      --no-mdns                     Accepted for compatibility
      --no-telemetry                Accepted for compatibility
      --insecure-validator-i-know-what-i-do
                                    Allow a validator with unsafe RPC exposed
  -l, --log <TARGET=LEVEL>...       Log filters, e.g. -l rpc=debug,txpool=trace
  -h, --help                        Print help
  -V, --version                     Print version
`;
