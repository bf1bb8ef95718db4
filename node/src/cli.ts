import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cryptoReady, generateMnemonic, keyPairFromUri, ss58Encode } from "@darwin/crypto";
import { toHex } from "@darwin/scale";
import { CliError, HELP, parseArgs, runOptions } from "./cli/args.ts";
import { NODE_VERSION } from "./version.ts";

export { NODE_VERSION };

/** Entry point of the darwin-node command line; resolves with the exit code once the node stops. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    const parsed = parseArgs(argv);
    if (parsed.flags.has("version")) {
      console.log(`darwin-node ${NODE_VERSION} (Node.js ${process.version})`);
      return 0;
    }
    if (parsed.flags.has("help")) {
      console.log(HELP);
      return 0;
    }
    const opts = runOptions(parsed);
    switch (parsed.command) {
      case "build-spec": {
        await cryptoReady();
        const { loadChainSpec, orderedTrieRoot, toRawSpec } = await import("./chain-spec/index.ts");
        const { DarwinRuntime } = await import("@darwin/runtime-spec");
        const spec = loadChainSpec(parsed.flags.get("chain")?.at(-1) ?? "local");
        const out = parsed.flags.has("raw") ? toRawSpec(spec, new DarwinRuntime({ orderedTrieRoot })) : spec;
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return 0;
      }
      case "key":
        return await keyCommand(parsed.positionals, parsed.flags, opts);
      case "purge-chain": {
        const { loadChainSpec } = await import("./chain-spec/index.ts");
        const { chainDbPath } = await import("./db/index.ts");
        const spec = loadChainSpec(opts.chain);
        if (!opts.basePath) throw new CliError("purge-chain needs --base-path");
        const path = chainDbPath(opts.basePath, spec.id);
        rmSync(path, { recursive: true, force: true });
        console.log(`"${path}" removed.`);
        return 0;
      }
      case "export-blocks":
      case "import-blocks": {
        const { exportBlocks, importBlocks } = await import("./cli/blocks.ts");
        return parsed.command === "export-blocks" ? exportBlocks(parsed, opts) : importBlocks(parsed, opts);
      }
      case undefined:
        break;
      default:
        throw new CliError(`unsupported command ${parsed.command}`);
    }
    // The node's modules load only when a node runs: --help and subcommands stay quick.
    const { startNode } = await import("./service.ts");
    const node = await startNode(opts);
    console.log(
      `darwin-node ready: RPC ws://127.0.0.1:${node.rpcPort} http://127.0.0.1:${node.rpcPort}${node.prometheusPort ? `, metrics http://127.0.0.1:${node.prometheusPort}/metrics` : ""}`,
    );
    await new Promise<void>((resolve) => {
      const shutdown = () => resolve();
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
    });
    await node.stop();
    return 0;
  } catch (err) {
    if (err instanceof CliError || (err as { code?: string }).code === "BadArguments") {
      console.error(`error: ${(err as Error).message}\n\nFor more information, try '--help'.`);
      return 2;
    }
    console.error(`Error: ${(err as Error).message}`);
    return 1;
  }
}

async function keyCommand(
  positionals: string[],
  flags: Map<string, string[]>,
  opts: ReturnType<typeof runOptions>,
): Promise<number> {
  await cryptoReady();
  const sub = positionals[0];
  if (sub === "generate") {
    const scheme = (flags.get("scheme")?.at(-1) ?? "sr25519").toLowerCase() as "sr25519" | "ed25519";
    const phrase = generateMnemonic(Number(flags.get("words")?.at(-1) ?? 12) === 24 ? 24 : 12);
    const pair = keyPairFromUri(scheme, phrase);
    const json = flags.get("output-type")?.at(-1) === "json";
    const info = {
      secretPhrase: phrase,
      publicKey: toHex(pair.publicKey),
      ss58Address: ss58Encode(pair.publicKey),
      scheme,
    };
    console.log(
      json
        ? JSON.stringify(info, null, 2)
        : `Secret phrase:       ${phrase}\n  Public key (hex):  ${info.publicKey}\n  SS58 Address:      ${info.ss58Address}`,
    );
    return 0;
  }
  if (sub === "insert") {
    const suri = flags.get("suri")?.at(-1);
    const type = flags.get("key-type")?.at(-1);
    if (!suri || !type) throw new CliError("key insert needs --suri and --key-type");
    if (!opts.basePath) throw new CliError("key insert needs --base-path");
    const { loadChainSpec } = await import("./chain-spec/index.ts");
    const { Keystore } = await import("./keystore/index.ts");
    const spec = loadChainSpec(opts.chain);
    const ks = new Keystore({ dir: join(opts.basePath, "chains", spec.id, "keystore") });
    const secret = suri.startsWith("@") ? readFileSync(suri.slice(1), "utf8").trim() : suri;
    ks.insert(type, secret);
    return 0;
  }
  throw new CliError("key: expected `generate` or `insert`");
}
