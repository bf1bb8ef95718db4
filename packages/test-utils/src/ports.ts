import { createServer } from "node:net";

const handedOut = new Set<number>();

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. Ports handed out by this process are never
 * handed out twice, so parallel tests in one worker do not collide; the OS picks from its ephemeral
 * range, so parallel workers rarely do.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        const p = typeof address === "object" && address !== null ? address.port : 0;
        server.close(() => resolve(p));
      });
    });
    if (port !== 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("could not find a free port on 127.0.0.1");
}

export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  return ports;
}
