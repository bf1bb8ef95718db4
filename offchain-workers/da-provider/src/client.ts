import { type Block, blockGetterFrom, type Content, cidOf, readFile, verifyBlock } from "@darwin/content-id";
import { CarBlockIterator } from "@ipld/car";
import { CID } from "multiformats/cid";
import { authHeaders, type DaAction, signRequest } from "./auth/signature.ts";
import { type DaErrorCode, daError, STATUS_OF } from "./errors.ts";
import type { PinRecord } from "./store/types.ts";

export interface DaClientOpts {
  /** Base URL of a provider, e.g. `http://127.0.0.1:5001`. */
  readonly url: string;
  /** The owner's secp256k1 secret key; needed for add, import, pin and unpin. */
  readonly secretKey?: Uint8Array;
  readonly timeoutMs?: number;
}

/** Content that can be read twice: once to compute its CID, once to upload it. */
export type ReplayableContent = Uint8Array | (() => Content);

export interface DaClient {
  readonly url: string;
  add(content: ReplayableContent): Promise<{ cid: CID; size: number }>;
  importCar(car: ReplayableContent, root: CID): Promise<{ roots: CID[]; blocks: number }>;
  pin(cid: CID, from?: string): Promise<{ bytes: number; replicatedFrom: string | null }>;
  unpin(cid: CID): Promise<void>;
  pins(owner: string): Promise<{ pins: PinRecord[]; usedBytes: number; quotaBytes: number }>;
  /** One block, checked against its CID. */
  getBlock(cid: CID): Promise<Uint8Array>;
  /** The raw CAR stream of a DAG, unchecked (for saving to disk). */
  getCar(cid: CID): Promise<AsyncIterable<Uint8Array>>;
  /** The DAG's blocks, each checked against its CID while the CAR streams in. */
  getBlocks(cid: CID): Promise<Block[]>;
  /** The file's bytes, fetched as a CAR and verified block by block against `cid` (trustless). */
  getVerified(cid: CID): Promise<Uint8Array>;
  gc(): Promise<{ removedBlocks: number; removedBytes: number }>;
}

async function failure(res: Response, what: string): Promise<never> {
  let code: DaErrorCode = res.status === 404 ? "NOT_FOUND" : "BAD_REQUEST";
  let message = `${what}: HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { code?: string; message?: string };
    if (typeof body.code === "string" && body.code in STATUS_OF) code = body.code as DaErrorCode;
    if (typeof body.message === "string") message = `${what}: ${body.message}`;
  } catch {
    // not a JSON error body; keep the status
  }
  throw daError(code, message);
}

export function createDaClient(opts: DaClientOpts): DaClient {
  const base = opts.url.replace(/\/+$/, "");
  const timeout = () => AbortSignal.timeout(opts.timeoutMs ?? 600_000);
  const sign = (action: DaAction, cid: CID): Record<string, string> => {
    if (opts.secretKey === undefined) throw daError("BAD_REQUEST", `${action} needs the owner's secret key`);
    return authHeaders(signRequest(opts.secretKey, { action, cid: cid.toString() }));
  };
  const bodyOf = (content: ReplayableContent): NonNullable<RequestInit["body"]> => {
    if (content instanceof Uint8Array) return content as NonNullable<RequestInit["body"]>;
    const source = content();
    if (source instanceof Uint8Array) return source as NonNullable<RequestInit["body"]>;
    return ReadableStream.from(source as AsyncIterable<Uint8Array>) as NonNullable<RequestInit["body"]>;
  };
  const post = async (path: string, headers: Record<string, string>, body?: ReplayableContent) => {
    const init: RequestInit & { duplex?: "half" } = { method: "POST", headers, signal: timeout() };
    if (body !== undefined) {
      init.body = bodyOf(body);
      init.duplex = "half";
      headers["content-type"] = "application/octet-stream";
    }
    return fetch(`${base}${path}`, init);
  };

  const getCar = async (cid: CID): Promise<AsyncIterable<Uint8Array>> => {
    const res = await fetch(`${base}/ipfs/${cid.toString()}?format=car`, {
      headers: { accept: "application/vnd.ipld.car" },
      signal: timeout(),
    });
    if (res.status !== 200 || res.body === null) return failure(res, `get ${cid.toString()}`);
    return res.body as AsyncIterable<Uint8Array>;
  };

  const getBlocks = async (cid: CID): Promise<Block[]> => {
    const iterator = await CarBlockIterator.fromIterable(await getCar(cid));
    const blocks: Block[] = [];
    for await (const block of iterator) {
      if (!(await verifyBlock(block.cid, block.bytes))) {
        throw daError("CID_MISMATCH", `provider sent a block that does not hash to ${block.cid.toString()}`);
      }
      blocks.push({ cid: block.cid, bytes: block.bytes });
    }
    return blocks;
  };

  return {
    url: base,
    async add(content) {
      const cid = await cidOf(content instanceof Uint8Array ? content : content());
      const res = await post("/api/v0/add", sign("add", cid), content);
      if (res.status !== 200) return failure(res, "add");
      const body = (await res.json()) as { Hash: string; Size: string };
      return { cid: CID.parse(body.Hash), size: Number(body.Size) };
    },
    async importCar(car, root) {
      const res = await post("/api/v0/dag/import", sign("import-car", root), car);
      if (res.status !== 200) return failure(res, "import-car");
      const body = (await res.json()) as { Roots: string[]; Blocks: number };
      return { roots: body.Roots.map((r) => CID.parse(r)), blocks: body.Blocks };
    },
    async pin(cid, from) {
      const query = `arg=${cid.toString()}${from ? `&from=${encodeURIComponent(from)}` : ""}`;
      const res = await post(`/api/v0/pin/add?${query}`, sign("pin", cid));
      if (res.status !== 200) return failure(res, "pin");
      const body = (await res.json()) as { Bytes: number; ReplicatedFrom: string | null };
      return { bytes: body.Bytes, replicatedFrom: body.ReplicatedFrom };
    },
    async unpin(cid) {
      const res = await post(`/api/v0/pin/rm?arg=${cid.toString()}`, sign("unpin", cid));
      if (res.status !== 200) return failure(res, "unpin");
      await res.body?.cancel();
    },
    async pins(owner) {
      const res = await fetch(`${base}/api/v0/pin/ls?owner=${owner}`, { signal: timeout() });
      if (res.status !== 200) return failure(res, "pin ls");
      const body = (await res.json()) as { Pins: PinRecord[]; UsedBytes: number; QuotaBytes: number };
      return { pins: body.Pins, usedBytes: body.UsedBytes, quotaBytes: body.QuotaBytes };
    },
    async getBlock(cid) {
      const res = await fetch(`${base}/ipfs/${cid.toString()}?format=raw`, {
        headers: { accept: "application/vnd.ipld.raw" },
        signal: timeout(),
      });
      if (res.status !== 200) return failure(res, `block ${cid.toString()}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (!(await verifyBlock(cid, bytes)))
        throw daError("CID_MISMATCH", `block does not hash to ${cid.toString()}`);
      return bytes;
    },
    getCar,
    getBlocks,
    async getVerified(cid) {
      const blocks = await getBlocks(cid);
      const parts: Uint8Array[] = [];
      let total = 0;
      for await (const part of readFile(cid, blockGetterFrom(blocks))) {
        parts.push(part);
        total += part.length;
      }
      const out = new Uint8Array(total);
      let at = 0;
      for (const part of parts) {
        out.set(part, at);
        at += part.length;
      }
      return out;
    },
    async gc() {
      const res = await post("/api/v0/repo/gc", {});
      if (res.status !== 200) return failure(res, "gc");
      return (await res.json()) as { removedBlocks: number; removedBytes: number };
    },
  };
}
