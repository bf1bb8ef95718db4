// darwin-node's Ethereum JSON-RPC: one account across both worlds, bad input, the pool views,
// filters and subscriptions. Real node, real viem and @polkadot/api.
import { type DarwinNodeHandle, rpcCall, startDarwinNode } from "@darwin/test-utils";
import { ApiPromise, Keyring, WsProvider } from "@polkadot/api";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import {
  type BaseError,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  FeeCapTooLowError,
  type Hex,
  http,
  InsufficientFundsError,
  keccak256,
  NonceTooLowError,
  type PublicClient,
  parseEther,
  webSocket,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALITH, ALITH_KEY, CHAIN_ID, compileTestToken, darwinChain } from "./eth-helpers.ts";

const DNA = 10n ** 18n;
let node: DarwinNodeHandle;
let chain: ReturnType<typeof darwinChain>;
let client: PublicClient;
let api: ApiPromise;

/** The slice of the chain-derived polkadot-js API these tests use (typed here: it is untyped indexing). */
interface DarwinApi {
  readonly tx: {
    readonly balances: {
      transferKeepAlive(to: string, amount: bigint): ReturnType<ApiPromise["tx"]["system"]["remark"]>;
    };
  };
  readonly query: {
    readonly system: {
      account(
        who: string,
      ): Promise<{ nonce: { toNumber(): number }; data: { free: { toBigInt(): bigint } } }>;
    };
  };
}
const darwin = () => api as unknown as DarwinApi;
const alith = privateKeyToAccount(ALITH_KEY);
const token = compileTestToken();

beforeAll(async () => {
  await cryptoWaitReady();
  node = await startDarwinNode(["--dev", "--sealing", "300"]);
  chain = darwinChain(node.httpUrl, node.wsUrl);
  client = createPublicClient({ chain, transport: http(node.httpUrl), pollingInterval: 100 });
  api = await ApiPromise.create({
    provider: new WsProvider(node.wsUrl) as never,
    noInitWarn: true,
    throwOnConnect: true,
  });
}, 90_000);

afterAll(async () => {
  await api?.disconnect();
  await node?.stop();
});

const wallet = (account = alith) =>
  createWalletClient({ account, chain, transport: http(node.httpUrl), pollingInterval: 100 });

const send = (raw: Hex) => rpcCall(node.httpUrl, "eth_sendRawTransaction", [raw]);

async function baseFee(): Promise<bigint> {
  return (await client.getBlock()).baseFeePerGas!;
}

/** A signed EIP-1559 transaction from Alith with explicit fields. */
async function signed(fields: {
  nonce?: number;
  chainId?: number;
  maxFeePerGas?: bigint;
  to?: Hex;
  value?: bigint;
  data?: Hex;
  gas?: bigint;
}): Promise<Hex> {
  const fee = fields.maxFeePerGas ?? (await baseFee()) * 2n;
  return alith.signTransaction({
    type: "eip1559",
    chainId: fields.chainId ?? CHAIN_ID,
    nonce: fields.nonce ?? (await client.getTransactionCount({ address: ALITH, blockTag: "pending" })),
    maxFeePerGas: fee,
    maxPriorityFeePerGas: 0n,
    gas: fields.gas ?? 21_000n,
    ...(fields.to ? { to: fields.to } : {}),
    value: fields.value ?? 0n,
    ...(fields.data ? { data: fields.data } : {}),
  });
}

async function substrateTransfer(to: string, amount: bigint): Promise<void> {
  const signer = new Keyring({ type: "ethereum" }).addFromUri(ALITH_KEY);
  await new Promise<void>((resolve, reject) => {
    let unsub: (() => void) | undefined;
    darwin()
      .tx.balances.transferKeepAlive(to, amount)
      .signAndSend(signer, (result) => {
        if (result.status.isInBlock) {
          unsub?.();
          if (result.dispatchError) reject(new Error(result.dispatchError.toString()));
          else resolve();
        }
        if (result.isError) reject(new Error(result.status.type));
      })
      .then((u) => {
        unsub = u;
      })
      .catch(reject);
  });
}

describe("one account in both worlds", () => {
  it("shows a Substrate transferKeepAlive to eth_getBalance and an EVM transfer to System.Account", async () => {
    const x = privateKeyToAccount(generatePrivateKey()).address;
    await substrateTransfer(x, 2n * DNA);
    expect(await client.getBalance({ address: x })).toBe(2n * DNA);

    const y = privateKeyToAccount(generatePrivateKey()).address;
    const hash = await wallet().sendTransaction({ to: y, value: 3n * DNA });
    await client.waitForTransactionReceipt({ hash });
    const info = await darwin().query.system.account(y);
    expect(info.data.free.toBigInt()).toBe(3n * DNA);
  });

  it("keeps one nonce when an account uses both worlds", async () => {
    const nonceOf = async () => (await darwin().query.system.account(ALITH)).nonce.toNumber();
    const start = await client.getTransactionCount({ address: ALITH });
    expect(await nonceOf()).toBe(start);
    await substrateTransfer(privateKeyToAccount(generatePrivateKey()).address, DNA);
    expect(await client.getTransactionCount({ address: ALITH })).toBe(start + 1);
    const hash = await wallet().sendTransaction({
      to: privateKeyToAccount(generatePrivateKey()).address,
      value: 1n,
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    expect((await client.getTransaction({ hash })).nonce).toBe(start + 1);
    expect(await nonceOf()).toBe(start + 2);
  });

  it("names a transaction by keccak256 of its signed bytes, in the answer, the index and the receipt", async () => {
    const raw = await signed({ to: privateKeyToAccount(generatePrivateKey()).address, value: 5n });
    const hash = ((await send(raw)) as { result: Hex }).result;
    expect(hash).toBe(keccak256(raw));
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.transactionHash).toBe(hash);
    expect((await client.getTransaction({ hash })).hash).toBe(hash);
  });
});

describe("bad input", () => {
  it("refuses malformed RLP, a wrong chain id and an underpriced transaction with -32000 errors", async () => {
    const malformed = await send("0xf86c0a85");
    expect(malformed.error?.code).toBe(-32000);
    expect(malformed.error?.message).toMatch(/rlp|malformed|transaction/i);
    expect((await send("0x" as Hex)).error?.code).toBeDefined();

    const wrongChain = await send(await signed({ chainId: 1, to: ALITH }));
    expect(wrongChain.error?.code).toBe(-32000);
    expect(wrongChain.error?.message).toMatch(/chain id/);

    const underpriced = await send(await signed({ maxFeePerGas: 1n, to: ALITH }));
    expect(underpriced.error?.code).toBe(-32000);
    expect(underpriced.error?.message).toMatch(/max fee per gas less than block base fee/);
    // viem recognises the message as its typed error.
    const err = await wallet()
      .sendTransaction({ to: ALITH, value: 1n, maxFeePerGas: 1n, maxPriorityFeePerGas: 0n })
      .catch((e: unknown) => e);
    expect((err as BaseError).walk((e) => e instanceof FeeCapTooLowError)).toBeInstanceOf(FeeCapTooLowError);
  });

  it("refuses a nonce too low and insufficient funds with the errors viem maps", async () => {
    const current = await client.getTransactionCount({ address: ALITH });
    const low = await wallet()
      .sendTransaction({ to: ALITH, value: 1n, nonce: current - 1 })
      .catch((e: unknown) => e);
    expect((low as BaseError).walk((e) => e instanceof NonceTooLowError)).toBeInstanceOf(NonceTooLowError);

    const poor = privateKeyToAccount(generatePrivateKey());
    const broke = await wallet(poor)
      .sendTransaction({ to: ALITH, value: parseEther("1"), gas: 21_000n })
      .catch((e: unknown) => e);
    expect((broke as BaseError).walk((e) => e instanceof InsufficientFundsError)).toBeInstanceOf(
      InsufficientFundsError,
    );
  });

  it("keeps a transaction with a nonce gap pending, and refuses its underpriced replacement", async () => {
    const pending = await client.getTransactionCount({ address: ALITH, blockTag: "pending" });
    const raw = await signed({ nonce: pending + 5, to: ALITH, value: 1n });
    const accepted = await send(raw);
    expect(accepted.error).toBeUndefined();
    const hash = accepted.result as Hex;
    const start = await client.getBlockNumber({ cacheTime: 0 });
    while ((await client.getBlockNumber({ cacheTime: 0 })) < start + 3n)
      await new Promise((r) => setTimeout(r, 100));
    const tx = await client.getTransaction({ hash });
    expect(tx.blockHash).toBeNull();
    expect(await client.getTransactionCount({ address: ALITH, blockTag: "pending" })).toBe(pending);
    const status = (await rpcCall(node.httpUrl, "txpool_status")).result as { queued: string };
    expect(Number(status.queued)).toBeGreaterThanOrEqual(1);
    const content = (await rpcCall(node.httpUrl, "txpool_content")).result as {
      queued: Record<string, Record<string, { hash: string }>>;
    };
    expect(content.queued[ALITH.toLowerCase()]?.[String(pending + 5)]?.hash).toBe(hash);
    const inspect = (await rpcCall(node.httpUrl, "txpool_inspect")).result as {
      queued: Record<string, Record<string, string>>;
    };
    expect(inspect.queued[ALITH.toLowerCase()]?.[String(pending + 5)]).toMatch(/: 1 wei \+ 21000 gas/);

    const replacement = await send(await signed({ nonce: pending + 5, to: ALITH, value: 2n }));
    expect(replacement.error?.code).toBe(-32000);
    expect(replacement.error?.message).toBe("replacement transaction underpriced");
    expect((await send(raw)).error?.message).toBe("already known");
  });

  it("refuses oversized init code", async () => {
    const data = `0x${"60".repeat(49_153)}` as Hex;
    const r = await send(await signed({ data, gas: 15_000_000n, maxFeePerGas: (await baseFee()) * 2n }));
    expect(r.error?.code).toBe(-32000);
    expect(r.error?.message).toMatch(/initcode/i);
  });

  it("reports a contract that loops until out of gas, and keeps producing blocks", async () => {
    const deploy = await wallet().deployContract({
      abi: token.abi,
      bytecode: token.bytecode,
      args: ["Spin", "SPN", 1n],
    });
    const address = (await client.waitForTransactionReceipt({ hash: deploy })).contractAddress!;
    const data = encodeFunctionData({ abi: token.abi, functionName: "spin" });
    const estimate = await rpcCall(node.httpUrl, "eth_estimateGas", [{ from: ALITH, to: address, data }]);
    expect(estimate.error?.code).toBe(-32000);
    expect(estimate.error?.message).toMatch(/gas required exceeds allowance/);
    const call = await rpcCall(node.httpUrl, "eth_call", [
      { from: ALITH, to: address, data, gas: "0x30d40" },
    ]);
    expect(call.error?.message).toMatch(/out of gas/);

    const hash = await wallet().sendTransaction({ to: address, data, gas: 200_000n });
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("reverted");
    expect(receipt.gasUsed).toBe(200_000n);
    const after = receipt.blockNumber;
    while ((await client.getBlockNumber({ cacheTime: 0 })) < after + 2n)
      await new Promise((r) => setTimeout(r, 100));
  });
});

describe("filters and subscriptions", () => {
  it("polls block and pending-transaction filters", async () => {
    const blocks = (await rpcCall(node.httpUrl, "eth_newBlockFilter")).result as string;
    const pendingFilter = (await rpcCall(node.httpUrl, "eth_newPendingTransactionFilter")).result as string;
    const raw = await signed({ to: ALITH, value: 1n });
    const hash = (await send(raw)).result as Hex;
    await client.waitForTransactionReceipt({ hash });
    const newBlocks = (await rpcCall(node.httpUrl, "eth_getFilterChanges", [blocks])).result as string[];
    expect(newBlocks.length).toBeGreaterThanOrEqual(1);
    const receipt = await client.getTransactionReceipt({ hash });
    expect(newBlocks).toContain(receipt.blockHash);
    expect((await rpcCall(node.httpUrl, "eth_getFilterChanges", [pendingFilter])).result).toEqual([hash]);
    expect((await rpcCall(node.httpUrl, "eth_getFilterChanges", [pendingFilter])).result).toEqual([]);
    expect((await rpcCall(node.httpUrl, "eth_uninstallFilter", [blocks])).result).toBe(true);
    const gone = await rpcCall(node.httpUrl, "eth_getFilterChanges", [blocks]);
    expect(gone.error?.message).toBe("filter not found");
  });

  it("returns a log filter's logs with eth_getFilterLogs", async () => {
    const deploy = await wallet().deployContract({
      abi: token.abi,
      bytecode: token.bytecode,
      args: ["Logs", "LOG", 10n],
    });
    const receipt = await client.waitForTransactionReceipt({ hash: deploy });
    const id = (
      await rpcCall(node.httpUrl, "eth_newFilter", [
        { fromBlock: `0x${receipt.blockNumber.toString(16)}`, address: receipt.contractAddress },
      ])
    ).result as string;
    const logs = (await rpcCall(node.httpUrl, "eth_getFilterLogs", [id])).result as {
      transactionHash: string;
    }[];
    expect(logs.map((l) => l.transactionHash)).toEqual([deploy]);
  });

  it("streams newHeads and pending transactions over eth_subscribe", async () => {
    const ws = createPublicClient({ chain, transport: webSocket(node.wsUrl) });
    const head = await new Promise<{ number: bigint | null; hash: string | null }>((resolve) => {
      const off = ws.watchBlocks({
        onBlock: (b) => {
          off();
          resolve(b);
        },
      });
    });
    expect(head.number).toBeGreaterThan(0n);
    const block = await client.getBlock({ blockNumber: head.number! });
    expect(block.hash).toBe(head.hash);

    const pendingHashes: Hex[] = [];
    const got = new Promise<void>((resolve) => {
      const off = ws.watchPendingTransactions({
        onTransactions: (hashes) => {
          pendingHashes.push(...hashes);
          off();
          resolve();
        },
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    const hash = (await send(await signed({ to: ALITH, value: 1n }))).result as Hex;
    await got;
    expect(pendingHashes).toContain(hash);
    await ws.transport.getRpcClient().then((c) => c.close());
  });
});
