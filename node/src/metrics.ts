import { Counter, Gauge, type Registry } from "@darwin/observability";

/** The Substrate metric names zombienet and dashboards read. */
export interface NodeMetrics {
  readonly blockHeight: Gauge<"status">;
  readonly peers: Gauge;
  readonly startTime: Gauge;
  readonly importedBlocks: Counter;
}

export function createNodeMetrics(registry: Registry, startedAtMs: number): NodeMetrics {
  const startTime = new Gauge({
    name: "substrate_process_start_time_seconds",
    help: "Number of seconds between the UNIX epoch and the moment the process started",
    registers: [registry],
  });
  startTime.set(Math.floor(startedAtMs / 1000));
  return {
    blockHeight: new Gauge({
      name: "substrate_block_height",
      help: "Block height info of the chain",
      labelNames: ["status"],
      registers: [registry],
    }),
    peers: new Gauge({
      name: "substrate_sub_libp2p_peers_count",
      help: "Number of connected peers",
      registers: [registry],
    }),
    startTime,
    importedBlocks: new Counter({
      name: "substrate_import_queue_blocks_submitted",
      help: "Number of blocks imported",
      registers: [registry],
    }),
  };
}
