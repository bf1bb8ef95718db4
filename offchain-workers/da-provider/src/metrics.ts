import { Counter, Gauge, Histogram, type Registry } from "@darwin/observability";

/** The provider's prom-client metrics, registered into the process's registry. */
export interface DaMetrics {
  readonly blocksWritten: Counter;
  readonly bytesWritten: Counter;
  readonly pins: Gauge;
  readonly uploads: Counter<"kind">;
  readonly requests: Counter<"route" | "status">;
  readonly requestSeconds: Histogram<"route">;
  readonly bytesServed: Counter<"format">;
  readonly gcRuns: Counter;
  readonly gcRemovedBlocks: Counter;
  readonly replications: Counter<"result">;
  readonly retrievabilityChecks: Counter<"result">;
}

export function createDaMetrics(registry: Registry): DaMetrics {
  const registers = [registry];
  return {
    blocksWritten: new Counter({
      name: "darwin_da_blocks_written_total",
      help: "Blocks written to the store",
      registers,
    }),
    bytesWritten: new Counter({
      name: "darwin_da_bytes_written_total",
      help: "Block bytes written to the store",
      registers,
    }),
    pins: new Gauge({ name: "darwin_da_pins", help: "Pins held (owner, root pairs)", registers }),
    uploads: new Counter({
      name: "darwin_da_uploads_total",
      help: "Accepted uploads by kind (add, car)",
      labelNames: ["kind"],
      registers,
    }),
    requests: new Counter({
      name: "darwin_da_http_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["route", "status"],
      registers,
    }),
    requestSeconds: new Histogram({
      name: "darwin_da_http_request_seconds",
      help: "HTTP request duration by route",
      labelNames: ["route"],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60],
      registers,
    }),
    bytesServed: new Counter({
      name: "darwin_da_bytes_served_total",
      help: "Response body bytes by format",
      labelNames: ["format"],
      registers,
    }),
    gcRuns: new Counter({ name: "darwin_da_gc_runs_total", help: "Garbage collections run", registers }),
    gcRemovedBlocks: new Counter({
      name: "darwin_da_gc_removed_blocks_total",
      help: "Blocks removed by GC",
      registers,
    }),
    replications: new Counter({
      name: "darwin_da_replications_total",
      help: "DAGs pulled from peer providers, by result",
      labelNames: ["result"],
      registers,
    }),
    retrievabilityChecks: new Counter({
      name: "darwin_da_retrievability_checks_total",
      help: "Retrievability checks run against providers, by result",
      labelNames: ["result"],
      registers,
    }),
  };
}
