import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { blake2_256, cryptoReady } from "@darwin/crypto";
import {
  createLogger,
  createRegistry,
  type Logger,
  parseLogDirectives,
  serveMetrics,
} from "@darwin/observability";
import { Header as HeaderCodec } from "@darwin/pallets/support";
import { DarwinRuntime, SLOT_DURATION_MS } from "@darwin/runtime-spec";
import { encode, toHex } from "@darwin/scale";
import { inlineBlockBuilder, WorkerBlockBuilder } from "./authorship/index.ts";
import { Chain } from "./chain/chain.ts";
import { loadChainSpec, orderedTrieRoot } from "./chain-spec/index.ts";
import type { CliError, RunOptions } from "./cli/args.ts";
import { BlockProducer, type SealingMode } from "./consensus/producer.ts";
import { chainDbPath, openChainDb, type StatePruning } from "./db/index.ts";
import { createEthEvents } from "./eth/context.ts";
import { EthIndex } from "./eth/index-store.ts";
import { Keystore } from "./keystore/index.ts";
import { createNodeMetrics } from "./metrics.ts";
import { peerIdFromNodeKey } from "./network/peer-id.ts";
import { substrateMethods } from "./rpc/handlers/index.ts";
import { createRpcServer } from "./rpc/server/index.ts";
import { createPoolBridge } from "./txpool-bridge.ts";

import { NODE_VERSION } from "./version.ts";

export { NODE_VERSION };

export interface RunningNode {
  readonly rpcPort: number;
  readonly prometheusPort: number | undefined;
  readonly chain: Chain;
  stop(): Promise<void>;
}

export function parseSealing(value: string | undefined): SealingMode {
  if (value === undefined) return { kind: "aura" };
  if (value === "instant") return { kind: "instant" };
  if (value === "manual") return { kind: "manual" };
  const ms = Number(value);
  if (Number.isInteger(ms) && ms > 0) return { kind: "interval", ms };
  throw Object.assign(
    new Error(`--sealing must be instant, manual or a number of milliseconds, got ${value}`),
    { code: "BadArguments" },
  ) as CliError;
}

function parsePruning(value: string | undefined): StatePruning {
  if (value === undefined || value === "archive" || value === "archive-canonical") return "archive";
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--state-pruning must be archive or a block count, got ${value}`);
  return { keepFinalized: n };
}

/** The composition root: builds every part in order and stops them in reverse. */
export async function startNode(opts: RunOptions, logger?: Logger): Promise<RunningNode> {
  const startedAt = Date.now();
  const { level, moduleLevels } = parseLogDirectives(opts.log);
  const log =
    logger ?? createLogger({ name: "darwin-node", level: level ?? "info", moduleLevels, pretty: true });
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.warn({ err: String(err) }, "error while stopping");
      }
    }
  };
  try {
    await cryptoReady();
    const spec = loadChainSpec(opts.chain);
    const sealing = parseSealing(opts.sealing);
    let basePath = opts.basePath;
    const temporary = opts.tmp && basePath === undefined;
    if (temporary) {
      basePath = mkdtempSync(join(tmpdir(), "darwin-"));
      const dir = basePath;
      stops.push(() => rmSync(dir, { recursive: true, force: true }));
    }
    basePath ??= join(process.env.HOME ?? tmpdir(), ".local", "share", "darwin-node");
    const nodeName =
      opts.name ?? `darwin-${toHex(blake2_256(new TextEncoder().encode(String(process.pid)))).slice(2, 8)}`;
    const peerId = peerIdFromNodeKey(opts.nodeKey);
    const dbPath = chainDbPath(basePath, spec.id);

    log.info("Darwin Node");
    log.info(`✌️  version ${NODE_VERSION}`);
    log.info(`📋 Chain specification: ${spec.name}`);
    log.info(`🏷  Node name: ${nodeName}`);
    log.info(`👤 Role: ${opts.validator ? "AUTHORITY" : "FULL"}`);
    log.info(`💾 Database: lmdb at ${dbPath}`);
    log.info(`🏷  Local node identity is: ${peerId}`);

    const registry = createRegistry();
    const metrics = createNodeMetrics(registry, startedAt);
    // A cached trie node costs about 1 KiB with its decoded form: size the cache by entries.
    const db = openChainDb(
      {
        path: dbPath,
        statePruning: parsePruning(opts.statePruning),
        nodeCacheEntries: Math.max(1024, Math.floor(opts.trieCacheBytes / 1024)),
        durable: !temporary,
      },
      { logger: log },
    );
    stops.push(() => db.close());
    const runtime = new DarwinRuntime({ orderedTrieRoot });
    const chain = new Chain({ spec }, { db, runtime, logger: log });
    await chain.init();
    log.info(
      `🔨 Initializing Genesis block/state (state: ${toHex(chain.headerOrThrow(chain.genesisHash).stateRoot)}, header-hash: ${toHex(chain.genesisHash)})`,
    );

    const keystore = new Keystore(
      opts.tmp || opts.dev ? {} : { dir: join(basePath, "chains", spec.id, "keystore") },
    );
    if (opts.devKey) {
      const who = opts.devKey[0]!.toUpperCase() + opts.devKey.slice(1);
      keystore.insert("aura", `//${who}`);
      keystore.insert("gran", `//${who}`);
    }

    const pool = createPoolBridge({ chain, registry, logger: log });
    stops.push(() => pool.stop());

    let producer: BlockProducer | undefined;
    if (opts.validator) {
      // The worker reads the database through lmdb's shared environment: same folder, same flags.
      const builder =
        opts.blockBuilder === "worker"
          ? new WorkerBlockBuilder(
              { path: dbPath, durable: !temporary, nodeCacheEntries: 50_000 },
              { chain, logger: log },
            )
          : inlineBlockBuilder(chain);
      stops.push(() => builder.stop());
      const soleAuthority = (() => {
        const state = chain.stateAt(chain.best().hash);
        const auths = runtime.grandpaAuthorities(state.ext);
        return auths.length > 0 && auths.every(([id]) => keystore.has("gran", id));
      })();
      producer = new BlockProducer(
        {
          sealing,
          slotDurationMs: Number(SLOT_DURATION_MS),
          selfFinalize: soleAuthority,
          finalityDelayMs: sealing.kind === "aura" ? 0 : 150,
        },
        { chain, pool: pool.readySource, keystore, logger: log, builder },
      );
      producer.start();
      stops.push(() => producer?.stop());
    }

    const updateHeights = () => {
      metrics.blockHeight.set({ status: "best" }, chain.best().number);
      metrics.blockHeight.set({ status: "finalized" }, chain.finalized().number);
    };
    updateHeights();
    metrics.peers.set(0);
    chain.on("best", updateHeights);
    chain.on("finalized", updateHeights);
    chain.on("imported", (b) => {
      metrics.importedBlocks.inc();
      if (opts.validator) {
        // Offchain workers run after import on the block's state; their writes are thrown away.
        chain
          .call("OffchainWorkerApi_offchain_worker", encode(HeaderCodec, b.header), b.hash)
          .catch((err: unknown) => log.warn({ err: String(err) }, "offchain worker failed"));
      }
      log.info(`✨ Imported #${b.number} (${toHex(b.hash)}) with ${b.extrinsics.length} extrinsics`);
    });

    const ethIndex = new EthIndex({}, { chain, logger: log });
    ethIndex.start();
    stops.push(() => ethIndex.stop());

    const policy = opts.rpcMethods === "auto" ? (opts.rpcExternal ? "safe" : "unsafe") : opts.rpcMethods;
    const rpc = createRpcServer(
      {
        host: opts.rpcExternal ? "0.0.0.0" : "127.0.0.1",
        port: opts.rpcPort,
        methods: substrateMethods(
          {
            chain,
            pool: pool.api,
            keystore,
            producer,
            logger: log,
            nodeName,
            nodeVersion: `${NODE_VERSION}-darwin`,
            peerId,
            roles: [opts.validator ? "Authority" : "Full"],
            peers: () => 0,
          },
          policy,
          {
            chain,
            pool: pool.api,
            poolView: pool.pool,
            index: ethIndex,
            events: createEthEvents(),
            logger: log,
            clientVersion: `darwin-node/v${NODE_VERSION}/linux/nodejs`,
            mining: producer !== undefined,
          },
        ),
        maxConnections: opts.rpcMaxConnections,
        maxRequestBytes: opts.rpcMaxRequestSize,
        maxResponseBytes: opts.rpcMaxResponseSize,
        cors: opts.rpcCors,
        rpcMethods: policy,
        health: () => ({ isSyncing: false, peers: 0, shouldHavePeers: spec.chainType !== "Development" }),
      },
      { logger: log, registry },
    );
    const rpcPort = await rpc.start();
    stops.push(() => rpc.stop());
    log.info(
      `Running JSON-RPC server: addr=${opts.rpcExternal ? "0.0.0.0" : "127.0.0.1"}:${rpcPort}, allowed origins=${JSON.stringify(opts.rpcCors)}`,
    );

    let prometheusPort: number | undefined;
    if (!opts.noPrometheus) {
      const server = await serveMetrics(registry, {
        port: opts.prometheusPort,
        host: opts.prometheusExternal ? "0.0.0.0" : "127.0.0.1",
      });
      prometheusPort = server.port;
      stops.push(() => server.close());
      log.info(`〽️ Prometheus exporter started at 127.0.0.1:${prometheusPort}`);
    }

    const informant = setInterval(() => {
      const best = chain.best();
      const fin = chain.finalized();
      const st = pool.api.status();
      log.info(
        `💤 Idle (0 peers), best: #${best.number} (${toHex(best.hash)}), finalized #${fin.number} (${toHex(fin.hash)}), ready: ${st.ready}, future: ${st.future}`,
      );
    }, 5000);
    informant.unref();
    stops.push(() => clearInterval(informant));

    return { rpcPort, prometheusPort, chain, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
