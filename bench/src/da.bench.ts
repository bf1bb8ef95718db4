// DA provider throughput: add/get against plain file writes/reads of the same bytes, and a gateway
// fetch of a 100 MB model against a plain node:http server sending the same file, all in one run.
//   npm run bench -- da            (DA_BENCH_MB=100 by default)
import { createHash } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { cidOf } from "@darwin/content-id";
import { createDaClient, parseSecretKey, type RunningDaProvider, startDaProvider } from "@darwin/da-provider";
import { silentLogger } from "@darwin/observability";
import type { CID } from "multiformats/cid";
import { machineDescription, percentile, printTable, type Row, timeMs } from "./harness.ts";

const MB = 1_000_000;
const SIZE = Number(process.env.DA_BENCH_MB ?? 100) * MB;
const REPS = 3;
const ALITH = "0xf24ff3a9cf04c71dbc94d0b566f7a27b94566cac";
const ALITH_KEY = parseSecretKey("0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133");

/** Deterministic "model" bytes (xorshift32), distinct in every 256 KiB chunk. */
function modelBytes(length: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, length);
}

/** Median wall time of `fn` over REPS runs; `before` runs untimed ahead of each. */
async function median(fn: () => Promise<unknown>, before?: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < REPS; i++) {
    await before?.();
    samples.push(await timeMs(fn));
  }
  return percentile(samples, 50);
}

/** Unpins and collects the model, so the next add really writes every block (untimed). */
async function forget(provider: RunningDaProvider, cid: CID): Promise<void> {
  await provider.repo.unpin(ALITH, cid);
  await provider.repo.gc();
}

const mbps = (ms: number) => SIZE / MB / (ms / 1000);

async function drain(res: Response): Promise<number> {
  let n = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) n += chunk.length;
  return n;
}

const dir = mkdtempSync(join(tmpdir(), "darwin-da-bench-"));
try {
  process.stdout.write(
    `${machineDescription()}\nmodel: ${SIZE / MB} MB of deterministic bytes, median of ${REPS}\n\n`,
  );
  const model = modelBytes(SIZE);
  const plainFile = join(dir, "model.bin");

  // Hashing alone: Kubo-compatible CID vs one sha2-256 over the same bytes.
  const cidMs = await median(() => cidOf(model));
  const shaMs = await median(async () => createHash("sha256").update(model).digest());

  // The repository in process (lmdb) vs plain files.
  const provider = await startDaProvider(
    {
      host: "127.0.0.1",
      port: 0,
      repoPath: join(dir, "repo"),
      defaultQuotaBytes: 100 * SIZE,
      maxBodyBytes: 2 * SIZE,
    },
    { logger: silentLogger() },
  );
  const cid = await cidOf(model);
  const addMs = await median(
    () => provider.repo.add(ALITH, model),
    () => forget(provider, cid),
  );
  const writeMs = await median(() => writeFile(plainFile, model));
  const getMs = await median(async () => {
    let n = 0;
    for await (const part of provider.repo.readContent(cid)) n += part.length;
    if (n !== SIZE) throw new Error("short read");
  });
  const readMs = await median(() => readFile(plainFile));

  // Over HTTP: the gateway vs a plain node:http server streaming the file from disk.
  const plain = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(SIZE) });
    pipeline(createReadStream(plainFile), res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", () => resolve()));
  const plainPort = (plain.address() as { port: number }).port;
  const plainMs = await median(async () => {
    if ((await drain(await fetch(`http://127.0.0.1:${plainPort}/model.bin`))) !== SIZE)
      throw new Error("short");
  });
  const fileMs = await median(async () => {
    if ((await drain(await fetch(`${provider.url}/ipfs/${cid}`))) !== SIZE) throw new Error("short");
  });
  const carMs = await median(async () => drain(await fetch(`${provider.url}/ipfs/${cid}?format=car`)));
  const client = createDaClient({ url: provider.url, secretKey: ALITH_KEY });
  const verifiedMs = await median(async () => {
    const bytes = await client.getVerified(cid);
    if (bytes.length !== SIZE) throw new Error("short");
  });
  const uploadMs = await median(
    () => client.add(model),
    () => forget(provider, cid),
  );
  const carSize = (await stat(plainFile)).size;
  await new Promise<void>((resolve) => plain.close(() => resolve()));
  await provider.close();

  const rows: Row[] = [
    {
      name: "cidOf (UnixFS chunk + sha2-256)",
      value: mbps(cidMs),
      unit: "MB/s",
      reference: { name: "one sha2-256", value: mbps(shaMs) },
    },
    {
      name: "repo add (chunk, hash, lmdb write, pin)",
      value: mbps(addMs),
      unit: "MB/s",
      reference: { name: "fs.writeFile", value: mbps(writeMs) },
    },
    {
      name: "repo get (read + verify every block)",
      value: mbps(getMs),
      unit: "MB/s",
      reference: { name: "fs.readFile", value: mbps(readMs) },
    },
    {
      name: "gateway GET /ipfs/{cid} (file bytes)",
      value: mbps(fileMs),
      unit: "MB/s",
      reference: { name: "plain http file server", value: mbps(plainMs) },
    },
    {
      name: "gateway GET ?format=car",
      value: mbps(carMs),
      unit: "MB/s",
      reference: { name: "plain http file server", value: mbps(plainMs) },
    },
    {
      name: "client getVerified (CAR + verify + reassemble)",
      value: mbps(verifiedMs),
      unit: "MB/s",
      reference: { name: "plain http file server", value: mbps(plainMs) },
    },
    {
      name: "signed HTTP upload (client add)",
      value: mbps(uploadMs),
      unit: "MB/s",
      reference: { name: "fs.writeFile", value: mbps(writeMs) },
    },
    {
      name: `gateway fetch of the ${SIZE / MB} MB model (file bytes)`,
      value: fileMs,
      unit: "ms",
      reference: { name: "plain http file server", value: plainMs },
    },
  ];
  printTable(`DA provider, ${SIZE / MB} MB model (file ${carSize} bytes)`, rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
