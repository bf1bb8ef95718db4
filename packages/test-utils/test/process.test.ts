import { describe, expect, it } from "vitest";
import { freePort, freePorts, httpAnswers, nodeBinary, startProcess } from "../src/index.ts";

const server = (port: number) =>
  `require("node:http").createServer((q,s)=>s.end("hi")).listen(${port},"127.0.0.1",()=>console.log("listening ${port}"))`;

describe("freePort", () => {
  it("hands out distinct bindable ports", async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) expect(p).toBeGreaterThan(0);
  });
});

describe("startProcess", () => {
  it("starts a real server, waits until it answers, stops it", async () => {
    const port = await freePort();
    const proc = await startProcess({
      name: "http",
      command: nodeBinary,
      args: ["-e", server(port)],
      ready: httpAnswers(`http://127.0.0.1:${port}/`),
    });
    const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(body).toBe("hi");
    await proc.waitForOutput(/listening \d+/);
    const code = await proc.stop();
    expect(proc.exited()).toBe(true);
    expect(code).toBe("SIGTERM");
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it("reports a process that exits before it is ready, with its output", async () => {
    await expect(
      startProcess({
        name: "dies",
        command: nodeBinary,
        args: ["-e", "console.error('boom'); process.exit(3)"],
        ready: async () => false,
      }),
    ).rejects.toThrow(/dies exited \(3\).*\n.*boom/s);
  });

  it("kills a process that never gets ready", async () => {
    await expect(
      startProcess({
        name: "sleeper",
        command: nodeBinary,
        args: ["-e", "setInterval(() => {}, 1000)"],
        ready: async () => false,
        readyTimeoutMs: 300,
      }),
    ).rejects.toThrow(/not ready within 300 ms/);
  });

  it("rejects a command that does not exist", async () => {
    await expect(startProcess({ command: "/nonexistent/binary", ready: async () => true })).rejects.toThrow(
      /could not start|exited/,
    );
  });
});
