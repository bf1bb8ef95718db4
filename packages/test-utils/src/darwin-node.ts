import { join } from "node:path";
import { freePort } from "./ports.ts";
import { jsonRpcAnswers, type RunningProcess, startProcess } from "./process.ts";
import { nodeBinary, repoRoot } from "./repo.ts";

export interface DarwinNodeHandle {
  readonly proc: RunningProcess;
  readonly rpcPort: number;
  readonly prometheusPort: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly metricsUrl: string;
  stop(): Promise<unknown>;
}

/**
 * Starts the real `darwin-node` binary on free 127.0.0.1 ports and waits until its JSON-RPC answers.
 * Extra arguments come after the port flags (e.g. `--dev`, `--base-path`).
 */
export async function startDarwinNode(
  args: readonly string[],
  opts: { readyTimeoutMs?: number; env?: Record<string, string> } = {},
): Promise<DarwinNodeHandle> {
  const rpcPort = await freePort();
  const prometheusPort = await freePort();
  const httpUrl = `http://127.0.0.1:${rpcPort}`;
  const proc = await startProcess({
    name: "darwin-node",
    command: nodeBinary,
    args: [
      join(repoRoot, "node", "bin", "darwin-node.js"),
      "--rpc-port",
      String(rpcPort),
      "--prometheus-port",
      String(prometheusPort),
      ...args,
    ],
    ready: jsonRpcAnswers(httpUrl, "chain_getBlockHash", [0]),
    readyTimeoutMs: opts.readyTimeoutMs ?? 60_000,
    ...(opts.env ? { env: opts.env } : {}),
  });
  return {
    proc,
    rpcPort,
    prometheusPort,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${rpcPort}`,
    metricsUrl: `http://127.0.0.1:${prometheusPort}/metrics`,
    stop: () => proc.stop(),
  };
}

/** One JSON-RPC call over HTTP; returns the whole response object (result or error). */
export async function rpcCall(
  url: string,
  method: string,
  params: unknown[] = [],
): Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return (await res.json()) as {
    result?: unknown;
    error?: { code: number; message: string; data?: unknown };
  };
}
