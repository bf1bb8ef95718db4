import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  Counter,
  createLogger,
  createRegistry,
  parseLogDirectives,
  parsePrometheusText,
  readMetric,
  serveMetrics,
} from "../src/index.ts";

function capture(): { stream: { write(s: string): void }; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  return {
    stream: { write: (s: string) => void chunks.push(s) },
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe("logger", () => {
  it("writes JSON lines with the module of each child", () => {
    const out = capture();
    const log = createLogger({ name: "t", destination: out.stream });
    log.child({ module: "rpc" }).info({ port: 9944 }, "listening");
    const [line] = out.lines();
    expect(line).toMatchObject({ name: "t", module: "rpc", port: 9944, msg: "listening", level: 30 });
  });

  it("applies per-module levels to children", () => {
    const out = capture();
    const log = createLogger({
      name: "t",
      level: "info",
      moduleLevels: { txpool: "debug", rpc: "error" },
      destination: out.stream,
    });
    log.child({ module: "txpool" }).debug("seen");
    log.child({ module: "txpool/future" }).debug("nested");
    log.child({ module: "rpc" }).info("dropped");
    log.child({ module: "chain" }).debug("dropped too");
    expect(out.lines().map((l) => l.msg)).toEqual(["seen", "nested"]);
  });

  it("parses Substrate-style -l directives and rejects unknown levels", () => {
    expect(parseLogDirectives(["info", "rpc=debug,txpool=trace"])).toEqual({
      level: "info",
      moduleLevels: { rpc: "debug", txpool: "trace" },
    });
    expect(() => parseLogDirectives(["rpc=loud"])).toThrow(/invalid log level "loud"/);
  });

  it("renders a readable line in pretty mode", async () => {
    let text = "";
    const sink = new Writable({
      write(chunk, _enc, cb) {
        text += String(chunk);
        cb();
      },
    });
    const { createLogger: create } = await import("../src/logger.ts");
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = sink.write.bind(sink) as typeof process.stderr.write;
    try {
      create({ name: "t", pretty: true }).child({ module: "chain" }).info({ number: 7 }, "Imported");
    } finally {
      process.stderr.write = original;
    }
    expect(text).toMatch(/ INFO chain: Imported number=7\n$/);
  });
});

describe("metrics", () => {
  it("serves a registry over HTTP in Prometheus text format", async () => {
    const registry = createRegistry();
    const counter = new Counter({
      name: "darwin_test_total",
      help: "test",
      labelNames: ["kind"],
      registers: [registry],
    });
    counter.inc({ kind: "a" }, 3);
    expect(await readMetric(registry, "darwin_test_total", { kind: "a" })).toBe(3);
    const server = await serveMetrics(registry, { port: 0, host: "127.0.0.1" });
    try {
      const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      const samples = parsePrometheusText(text);
      expect(samples.get('darwin_test_total{kind="a"}')).toBe(3);
      expect([...samples.keys()].some((k) => k.startsWith("process_cpu_user_seconds_total"))).toBe(true);
      expect((await fetch(`http://127.0.0.1:${server.port}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
