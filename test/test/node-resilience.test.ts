// darwin-node keeps its data across restarts and crashes, and survives bad input.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { cryptoReady, devEthereumAccounts, signPayload } from "@darwin/crypto";
import { DarwinRuntime, encodeSignedExtrinsic, signingPayload, VERSION } from "@darwin/runtime-spec";
import { encode, fromHex, toHex } from "@darwin/scale";
import { type DarwinNodeHandle, rpcCall, startDarwinNode, waitFor } from "@darwin/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

type Header = { number: string; stateRoot: string };
const bestNumber = async (url: string) =>
  Number.parseInt(((await rpcCall(url, "chain_getHeader")).result as Header).number, 16);

describe("persistence", () => {
  let base: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "darwin-persist-"));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("a restart with the same --base-path keeps blocks and state; a SIGKILL loses nothing committed", async () => {
    const args = ["--chain", "dev", "--alice", "--base-path", base, "--sealing", "300"];
    let node = await startDarwinNode(args);
    await waitFor(async () => ((await bestNumber(node.httpUrl)) >= 3 ? true : undefined), {
      timeoutMs: 30_000,
    });
    await node.stop();
    const stopped = (await rpcCallAfterRestart(args, async (n) => {
      const header = (await rpcCall(n.httpUrl, "chain_getHeader")).result as Header;
      const hash = (await rpcCall(n.httpUrl, "chain_getBlockHash", [Number.parseInt(header.number, 16)]))
        .result;
      return { header, hash };
    })) as { header: Header; hash: string };
    expect(Number.parseInt(stopped.header.number, 16)).toBeGreaterThanOrEqual(3);

    // Crash while producing blocks every 300 ms, several times at arbitrary moments.
    for (let round = 0; round < 3; round++) {
      node = await startDarwinNode(args);
      await sleep(400 + round * 170);
      const before = (await rpcCall(node.httpUrl, "chain_getHeader")).result as Header;
      await node.proc.kill();
      node = await startDarwinNode(args);
      const after = (await rpcCall(node.httpUrl, "chain_getHeader")).result as Header;
      expect(Number.parseInt(after.number, 16)).toBeGreaterThanOrEqual(Number.parseInt(before.number, 16));
      // The block seen before the crash is there after it, with the identical state root.
      const hash = (await rpcCall(node.httpUrl, "chain_getBlockHash", [Number.parseInt(before.number, 16)]))
        .result;
      const same = (await rpcCall(node.httpUrl, "chain_getHeader", [hash])).result as Header;
      expect(same.stateRoot).toBe(before.stateRoot);
      // The state of the best block is whole: its root resolves and storage reads answer.
      const issuance = await rpcCall(node.httpUrl, "state_getStorage", [
        "0xc2261276cc9d1f8598ea4b6a74b15c2f57c875e4cff74148e4628f264b974c80",
      ]);
      expect(typeof issuance.result).toBe("string");
      await node.stop();
    }
  });
});

async function rpcCallAfterRestart<T>(args: string[], fn: (n: DarwinNodeHandle) => Promise<T>): Promise<T> {
  const n = await startDarwinNode([
    ...args.filter((a, i) => !(a === "--sealing" || args[i - 1] === "--sealing")),
    "--sealing",
    "manual",
  ]);
  try {
    return await fn(n);
  } finally {
    await n.stop();
  }
}

let genesisHash: Uint8Array;
function signedRemark(): Uint8Array {
  const alith = devEthereumAccounts()[0]!;
  const rt = new DarwinRuntime({ orderedTrieRoot: () => new Uint8Array(32) });
  const callBytes = encode(rt.composed.callCodec, {
    type: "System",
    value: { type: "remark", value: { remark: new Uint8Array(40) } },
  });
  const extra = { era: { type: "Immortal" as const }, nonce: 0, tip: 0n, metadataHashMode: 0 };
  const payload = signingPayload(callBytes, extra, {
    specVersion: VERSION.specVersion,
    transactionVersion: VERSION.transactionVersion,
    genesisHash,
    checkpointHash: genesisHash,
  });
  return encodeSignedExtrinsic(callBytes, alith.address, signPayload(payload, alith.secretKey), extra);
}

describe("bad input", () => {
  let node: DarwinNodeHandle;
  beforeAll(async () => {
    await cryptoReady();
    node = await startDarwinNode(["--dev", "--sealing", "500"]);
    genesisHash = fromHex((await rpcCall(node.httpUrl, "chain_getBlockHash", [0])).result as string);
  });
  afterAll(async () => {
    await node?.stop();
  });

  it("random bytes and a truncated signature as extrinsics get 1010; invalid JSON -32700; unknown method -32601", async () => {
    const random = await rpcCall(node.httpUrl, "author_submitExtrinsic", ["0x0123456789abcdef"]);
    expect(random.error?.code).toBe(1010);
    // A real signed remark with 10 bytes cut out of its signature (length prefix fixed up).
    const signed = signedRemark();
    const body = signed.subarray(2); // the compact length prefix of a <16 KiB extrinsic is 2 bytes
    const cut = new Uint8Array([...body.subarray(0, 1 + 20 + 30), ...body.subarray(1 + 20 + 40)]);
    const prefixed = new Uint8Array([((cut.length << 2) | 1) & 0xff, (cut.length << 2) >> 8, ...cut]);
    const truncated = await rpcCall(node.httpUrl, "author_submitExtrinsic", [toHex(prefixed)]);
    expect(truncated.error?.code).toBe(1010);
    // The untouched one is accepted: the node still takes good transactions after bad ones.
    const ok = await rpcCall(node.httpUrl, "author_submitExtrinsic", [toHex(signed)]);
    expect(ok.result).toMatch(/^0x[0-9a-f]{64}$/);
    const res = await fetch(node.httpUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32700);
    expect((await rpcCall(node.httpUrl, "no_such_method")).error?.code).toBe(-32601);
    expect((await rpcCall(node.httpUrl, "chain_getBlockHash", ["not a number"])).error?.code).toBe(-32602);
  });

  it("a 20 MB request is refused and the node keeps producing blocks", async () => {
    const big = `"0x${"ab".repeat(10 * 1024 * 1024)}"`;
    const res = await fetch(node.httpUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"jsonrpc":"2.0","id":1,"method":"author_submitExtrinsic","params":[${big}]}`,
    }).catch((err: unknown) => err as Error);
    if (!(res instanceof Error)) expect(res.status === 413 || res.status === 200).toBe(true);
    const n0 = await bestNumber(node.httpUrl);
    await waitFor(async () => ((await bestNumber(node.httpUrl)) > n0 ? true : undefined), {
      timeoutMs: 10_000,
    });
  });

  it("500 concurrent WebSocket connections: the excess is refused, the node keeps serving and producing", async () => {
    const sockets = await Promise.all(
      Array.from(
        { length: 500 },
        () =>
          new Promise<WebSocket | undefined>((resolve) => {
            const ws = new WebSocket(node.wsUrl);
            ws.once("open", () => resolve(ws));
            ws.once("error", () => resolve(undefined));
            ws.once("unexpected-response", () => resolve(undefined));
          }),
      ),
    );
    const open = sockets.filter((s): s is WebSocket => s !== undefined);
    expect(open.length).toBeLessThanOrEqual(100);
    expect(open.length).toBeGreaterThan(0);
    for (const s of open) s.close();
    await sleep(200);
    const n0 = await bestNumber(node.httpUrl);
    await waitFor(async () => ((await bestNumber(node.httpUrl)) > n0 ? true : undefined), {
      timeoutMs: 10_000,
    });
  });
});
