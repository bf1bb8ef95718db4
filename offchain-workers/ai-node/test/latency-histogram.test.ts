import { createRegistry, Histogram, readMetric } from "@darwin/observability";
import { describe, expect, it } from "vitest";
import { createLatencyHistogram } from "../src/latency-histogram.ts";

describe("createLatencyHistogram", () => {
  it("exposes exactly what prom-client's Histogram exposes for the same observations", async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const buckets = [0.00005, 0.001, 0.25, 1];
    const ours = createLatencyHistogram({
      name: "t_seconds",
      help: "h",
      labelNames: ["model", "kind"],
      buckets,
      registry,
    });
    const reference = new Histogram({
      name: "t_seconds",
      help: "h",
      labelNames: ["model", "kind"],
      buckets,
      registers: [],
    });
    const samples = [0, 0.00005, 0.00004, 0.0009, 0.001, 0.2, 0.25, 0.9, 3, 1e-7];
    for (const [model, kind] of [
      ["a@1", "single"],
      ["b@2/block0", "batch"],
    ] as const) {
      const child = ours.labels({ model, kind });
      for (const v of samples) {
        child.observe(v);
        reference.labels({ model, kind }).observe(v);
      }
    }
    const refRegistry = createRegistry({ defaultMetrics: false });
    refRegistry.registerMetric(reference);
    expect(await registry.metrics()).toBe(await refRegistry.metrics());
    expect(await readMetric(registry, "t_seconds", { model: "a@1", le: "0.001" })).toBe(6);
    registry.resetMetrics();
    expect(await readMetric(registry, "t_seconds", { model: "a@1", le: "+Inf" })).toBe(0);
  });
});
