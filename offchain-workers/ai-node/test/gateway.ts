// A minimal trustless gateway (`GET|HEAD /ipfs/{cid}?format=raw`, one block per answer) over a block
// map, for tests that need a real HTTP model source without a DA provider process.
import { createServer } from "node:http";
import { parseCid } from "@darwin/content-id";

export interface TestGateway {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startTestGateway(blocks: Map<string, Uint8Array>): Promise<TestGateway> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const match = /^\/ipfs\/([^/]+)$/.exec(url.pathname);
    if (!match || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404).end();
      return;
    }
    let key: string;
    try {
      key = parseCid(match[1] as string).toString();
    } catch {
      res.writeHead(400).end("bad cid");
      return;
    }
    const bytes = blocks.get(key);
    if (!bytes) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "application/vnd.ipld.raw", "content-length": bytes.length });
    res.end(req.method === "HEAD" ? undefined : bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
