// One provider in this process (lmdb on a temporary folder), reached over real HTTP.

import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cidOf } from "@darwin/content-id";
import { generateKeyPair, open, seal } from "@darwin/envelope";
import { parsePrometheusText, silentLogger } from "@darwin/observability";
import { CarReader } from "@ipld/car";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  authHeaders,
  checkRetrievability,
  createDaClient,
  type RunningDaProvider,
  signRequest,
  startDaProvider,
} from "../src/index.ts";
import { ALITH, ALITH_KEY, BALTATHAR_KEY, codeOf, pseudoRandom } from "./helpers.ts";

const QUOTA = 8_000_000;
let dir: string;
let provider: RunningDaProvider;

async function start(): Promise<RunningDaProvider> {
  return startDaProvider(
    {
      host: "127.0.0.1",
      port: 0,
      repoPath: join(dir, "repo"),
      defaultQuotaBytes: QUOTA,
      maxBodyBytes: 64_000_000,
    },
    { logger: silentLogger() },
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "darwin-da-gw-"));
  provider = await start();
});

afterAll(async () => {
  await provider?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function healthy(): Promise<boolean> {
  const res = await fetch(`${provider.url}/health`);
  return res.status === 200 && ((await res.json()) as { ok: boolean }).ok;
}

describe("gateway and signed API", () => {
  it("serves what was added as raw blocks, CAR and file bytes, with ranges, HEAD and etags", async () => {
    const client = createDaClient({ url: provider.url, secretKey: ALITH_KEY });
    const bytes = pseudoRandom(700_000, 21);
    const { cid } = await client.add(bytes);
    expect(cid.toString()).toBe((await cidOf(bytes)).toString());
    expect(Buffer.compare(await client.getVerified(cid), bytes)).toBe(0);

    const file = await fetch(`${provider.url}/ipfs/${cid}`);
    expect(file.headers.get("content-type")).toBe("application/octet-stream");
    expect(file.headers.get("etag")).toBe(`"${cid}"`);
    expect(Buffer.compare(new Uint8Array(await file.arrayBuffer()), bytes)).toBe(0);

    const range = await fetch(`${provider.url}/ipfs/${cid}`, { headers: { range: "bytes=262140-262150" } });
    expect(range.status).toBe(206);
    expect(range.headers.get("content-range")).toBe(`bytes 262140-262150/${bytes.length}`);
    expect(new Uint8Array(await range.arrayBuffer())).toEqual(bytes.subarray(262_140, 262_151));

    const raw = await fetch(`${provider.url}/ipfs/${cid}`, {
      headers: { accept: "application/vnd.ipld.raw" },
    });
    expect(raw.headers.get("content-type")).toBe("application/vnd.ipld.raw");
    expect(raw.headers.get("etag")).toBe(`"${cid}.raw"`);
    const rootBlock = new Uint8Array(await raw.arrayBuffer());
    expect(rootBlock).toEqual(await client.getBlock(cid));
    const rawRange = await fetch(`${provider.url}/ipfs/${cid}?format=raw`, {
      headers: { range: "bytes=-4" },
    });
    expect(rawRange.status).toBe(206);
    expect(new Uint8Array(await rawRange.arrayBuffer())).toEqual(rootBlock.subarray(rootBlock.length - 4));
    const beyond = await fetch(`${provider.url}/ipfs/${cid}?format=raw`, {
      headers: { range: "bytes=99999-" },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${rootBlock.length}`);
    await beyond.body?.cancel();

    const car = await fetch(`${provider.url}/ipfs/${cid}`, {
      headers: { accept: "application/vnd.ipld.car" },
    });
    expect(car.headers.get("content-type")).toBe("application/vnd.ipld.car; version=1; order=dfs; dups=n");
    const reader = await CarReader.fromBytes(new Uint8Array(await car.arrayBuffer()));
    expect((await reader.getRoots()).map(String)).toEqual([cid.toString()]);

    const head = await fetch(`${provider.url}/ipfs/${cid}?format=raw`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(rootBlock.length));
    const carHead = await fetch(`${provider.url}/ipfs/${cid}?format=car`, { method: "HEAD" });
    expect([carHead.status, carHead.headers.get("etag")]).toEqual([200, `"${cid}.car"`]);
    const preflight = await fetch(`${provider.url}/api/v0/add`, { method: "OPTIONS" });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("x-darwin-signature");
    expect(file.headers.get("access-control-allow-origin")).toBe("*");
    const cached = await fetch(`${provider.url}/ipfs/${cid}`, { headers: { "if-none-match": `"${cid}"` } });
    expect(cached.status).toBe(304);

    const metrics = parsePrometheusText(await (await fetch(`${provider.url}/metrics`)).text());
    expect(metrics.get('darwin_da_http_requests_total{route="ipfs",status="200"}')).toBeGreaterThan(3);
    expect(metrics.get('darwin_da_uploads_total{kind="add"}')).toBeGreaterThanOrEqual(1);
    expect(metrics.get("darwin_da_bytes_written_total")).toBeGreaterThan(700_000);
  });

  it("holds user data only as ciphertext: the gateway serves it, only the node's key opens it", async () => {
    const node = generateKeyPair();
    const client = createDaClient({ url: provider.url, secretKey: ALITH_KEY });
    const query = new TextEncoder().encode(JSON.stringify({ prompt: "my salary is 91,500 EUR", n: 3 }));
    const { cid } = await client.add(seal(node.publicKey, query, new TextEncoder().encode("request-1")));
    const fetched = await client.getVerified(cid);
    expect(Buffer.from(fetched).includes(Buffer.from("salary"))).toBe(false);
    expect(Buffer.from(provider.repo.blocks.get(cid)!).includes(Buffer.from("salary"))).toBe(false);
    expect(() => open(generateKeyPair().secretKey, fetched)).toThrow(
      expect.objectContaining({ code: "WRONG_KEY" }),
    );
    const tampered = fetched.slice();
    tampered[tampered.length - 1]! ^= 1;
    expect(() => open(node.secretKey, tampered)).toThrow(expect.objectContaining({ code: "TAMPERED" }));
    expect(open(node.secretKey, fetched).plaintext).toEqual(query);
  });

  it("answers garbage with clear errors and keeps serving", async () => {
    const client = createDaClient({ url: provider.url, secretKey: ALITH_KEY });
    const bad = await fetch(`${provider.url}/ipfs/not-a-cid?format=raw`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "BAD_CID" });
    const missing = await fetch(`${provider.url}/ipfs/${await cidOf(pseudoRandom(10, 99))}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: "NOT_FOUND" });

    // A signature over other content, a wrong signer, a replay and a stale timestamp.
    const bytes = pseudoRandom(1000, 22);
    const cid = await cidOf(bytes);
    const post = (headers: Record<string, string>, body: Uint8Array = bytes) =>
      fetch(`${provider.url}/api/v0/add`, { method: "POST", headers, body: body as Uint8Array<ArrayBuffer> });
    const forOther = authHeaders(
      signRequest(ALITH_KEY, { action: "add", cid: (await cidOf(pseudoRandom(5))).toString() }),
    );
    const r1 = await post(forOther);
    expect([r1.status, ((await r1.json()) as { code: string }).code]).toEqual([422, "CID_MISMATCH"]);
    const wrongSigner = {
      ...authHeaders(signRequest(BALTATHAR_KEY, { action: "add", cid: cid.toString() })),
      "x-darwin-owner": ALITH,
    };
    const r2 = await post(wrongSigner);
    expect([r2.status, ((await r2.json()) as { code: string }).code]).toEqual([401, "BAD_SIGNATURE"]);
    const good = authHeaders(signRequest(ALITH_KEY, { action: "add", cid: cid.toString() }));
    expect((await post(good)).status).toBe(200);
    const replay = await post(good);
    expect([replay.status, ((await replay.json()) as { code: string }).code]).toEqual([409, "REPLAYED"]);
    const stale = authHeaders(
      signRequest(ALITH_KEY, {
        action: "add",
        cid: cid.toString(),
        timestamp: Math.floor(Date.now() / 1000) - 3600,
      }),
    );
    const r3 = await post(stale);
    expect([r3.status, ((await r3.json()) as { code: string }).code]).toEqual([401, "STALE_REQUEST"]);
    const unsigned = await post({});
    expect(unsigned.status).toBe(401);
    await unsigned.body?.cancel();

    // A truncated CAR upload.
    const big = pseudoRandom(600_000, 23);
    const bigCid = (await client.add(big)).cid;
    const carBytes = new Uint8Array(
      await (await fetch(`${provider.url}/ipfs/${bigCid}?format=car`)).arrayBuffer(),
    );
    expect(await codeOf(client.importCar(carBytes.subarray(0, carBytes.length - 1000), bigCid))).toBe(
      "TRUNCATED_CAR",
    );
    expect(await healthy()).toBe(true);
  });

  it("refuses a 1 GB upload beyond quota before reading it, and one that never announces its size", async () => {
    const cid = (await cidOf(pseudoRandom(16, 1))).toString();
    const headers = {
      ...authHeaders(signRequest(ALITH_KEY, { action: "add", cid })),
      "content-length": String(2 ** 30),
    };
    const chunk = new Uint8Array(1 << 20);
    let sent = 0;
    const outcome = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${provider.url}/api/v0/add`, { method: "POST", headers }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", (err) => (sent > 0 ? undefined : reject(err)));
      const pump = () => {
        while (sent < 2 ** 30 && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once("drain", pump);
            return;
          }
        }
      };
      pump();
    });
    expect(outcome.status).toBe(413);
    expect(JSON.parse(outcome.body)).toMatchObject({ code: "QUOTA_EXCEEDED" });
    // The refusal came long before the gigabyte went out.
    expect(sent).toBeLessThan(2 ** 30 / 4);

    // Streamed without a length: refused once the quota is passed.
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 1024; i++) yield pseudoRandom(1 << 20, i + 1);
    }
    const res = await fetch(`${provider.url}/api/v0/add`, {
      method: "POST",
      headers: authHeaders(signRequest(ALITH_KEY, { action: "add", cid })),
      body: ReadableStream.from(endless()),
      duplex: "half",
    } as RequestInit).catch((err: unknown) => err);
    if (res instanceof Response) {
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ code: "QUOTA_EXCEEDED" });
    }
    expect(await healthy()).toBe(true);
  });

  it("a retrievability check passes on a complete provider and catches missing blocks", async () => {
    const client = createDaClient({ url: provider.url, secretKey: ALITH_KEY });
    const bytes = pseudoRandom(262_144 * 6, 24);
    const { cid } = await client.add(bytes);
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const ok = await checkRetrievability({ provider: provider.url, cid, samples: 12, random });
    expect(ok.passed).toBe(true);
    expect(ok.samples.every((s) => s.path.length === 2)).toBe(true);
    // Drop half of the leaves behind the provider's back.
    const rootBytes = provider.repo.blocks.get(cid)!;
    const { decodeFileNode } = await import("@darwin/content-id");
    const leaves = decodeFileNode(cid, rootBytes).links;
    for (const leaf of leaves.filter((_, i) => i % 2 === 1)) await provider.repo.blocks.delete(leaf);
    const failed = await checkRetrievability({ provider: provider.url, cid, samples: 12, random });
    expect(failed.passed).toBe(false);
    expect(failed.samples.filter((s) => !s.ok).every((s) => /404/.test(s.error ?? ""))).toBe(true);
  });

  it("keeps pins, quotas and content across a restart", async () => {
    const client = createDaClient({ url: provider.url, secretKey: ALITH_KEY });
    const bytes = pseudoRandom(300_000, 25);
    const { cid } = await client.add(bytes);
    const before = await client.pins(ALITH);
    await provider.close();
    provider = await start();
    const after = createDaClient({ url: provider.url, secretKey: ALITH_KEY });
    expect(await after.pins(ALITH)).toEqual(before);
    await after.gc();
    expect(Buffer.compare(await after.getVerified(cid), bytes)).toBe(0);
    // Unpinned content goes at the next GC; the rest stays.
    await after.unpin(cid);
    await after.gc();
    expect(await codeOf(after.getBlock(cid))).toBe("NOT_FOUND");
  });
});
