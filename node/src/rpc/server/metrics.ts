import { Counter, Gauge, type Registry } from "@darwin/observability";

/** Substrate's RPC metric names (sc-rpc-server's `RpcMetrics`), so its dashboards read ours. */
export interface RpcMetrics {
  readonly callsStarted: Counter<"protocol" | "method">;
  readonly callsFinished: Counter<"protocol" | "method" | "is_rpc_error">;
  readonly sessionsOpened: Counter<"protocol">;
  readonly sessionsClosed: Counter<"protocol">;
  readonly openConnections: Gauge;
  readonly subscriptions: Gauge<"protocol">;
  readonly refusedConnections: Counter<"reason">;
}

export function createRpcMetrics(registry: Registry): RpcMetrics {
  const registers = [registry];
  return {
    callsStarted: new Counter({
      name: "substrate_rpc_calls_started",
      help: "Number of received RPC calls (unique un-batched requests)",
      labelNames: ["protocol", "method"],
      registers,
    }),
    callsFinished: new Counter({
      name: "substrate_rpc_calls_finished",
      help: "Number of processed RPC calls (unique un-batched requests)",
      labelNames: ["protocol", "method", "is_rpc_error"],
      registers,
    }),
    sessionsOpened: new Counter({
      name: "substrate_rpc_sessions_opened",
      help: "Number of persistent RPC sessions opened",
      labelNames: ["protocol"],
      registers,
    }),
    sessionsClosed: new Counter({
      name: "substrate_rpc_sessions_closed",
      help: "Number of persistent RPC sessions closed",
      labelNames: ["protocol"],
      registers,
    }),
    openConnections: new Gauge({
      name: "darwin_rpc_open_connections",
      help: "Open TCP connections to the RPC server (HTTP keep-alive and WebSocket)",
      registers,
    }),
    subscriptions: new Gauge({
      name: "darwin_rpc_active_subscriptions",
      help: "Active RPC subscriptions",
      labelNames: ["protocol"],
      registers,
    }),
    refusedConnections: new Counter({
      name: "darwin_rpc_refused_total",
      help: "Requests or connections refused by the RPC server's limits",
      labelNames: ["reason"],
      registers,
    }),
  };
}
