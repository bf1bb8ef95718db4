import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export { Counter, Gauge, Histogram, Registry };

export interface MetricsOpts {
  /** Prefix for the default process metrics, e.g. `substrate_` is not used: defaults keep their names. */
  readonly prefix?: string;
  /** Collect the default Node.js process metrics (cpu, memory, event loop, GC). */
  readonly defaultMetrics?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Each process owns one registry; libraries register into the one they are handed. */
export function createRegistry(opts: MetricsOpts = {}): Registry {
  const registry = new Registry();
  if (opts.labels) registry.setDefaultLabels({ ...opts.labels });
  if (opts.defaultMetrics ?? true) {
    collectDefaultMetrics(
      opts.prefix === undefined ? { register: registry } : { register: registry, prefix: opts.prefix },
    );
  }
  return registry;
}

/** Serves `GET /metrics` in the Prometheus text format; resolves with the bound port. */
export async function serveMetrics(
  registry: Registry,
  opts: { readonly port: number; readonly host: string },
): Promise<{ readonly port: number; close(): Promise<void> }> {
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url !== "/metrics" && req.url !== "/")) {
      res.writeHead(404).end("not found\n");
      return;
    }
    registry
      .metrics()
      .then((body) => {
        res.writeHead(200, { "content-type": registry.contentType }).end(body);
      })
      .catch((err: unknown) => {
        res.writeHead(500).end(`metrics error: ${String(err)}\n`);
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads one sample value out of a registry; used by tests and by readiness checks. */
export async function readMetric(
  registry: Registry,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return undefined;
  const data = await metric.get();
  const sample = data.values.find((v) =>
    Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  return sample?.value;
}

/** Parses Prometheus text exposition into `name{labels} -> value`, as zombienet reads it. */
export function parsePrometheusText(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([^\s{]+(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) out.set(match[1], Number(match[2]));
  }
  return out;
}
