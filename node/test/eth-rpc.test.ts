// darwin-node's Ethereum JSON-RPC against real viem 2 and ethers 6, as wallets and dapps use it.
import { AccountInfo, hashKey, storagePrefix } from "@darwin/pallets/support";
import { concatBytes, decode, fromHex, toHex } from "@darwin/scale";
import { type DarwinNodeHandle, rpcCall, startDarwinNode } from "@darwin/test-utils";
import { JsonRpcProvider, Wallet } from "ethers";
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  decodeEventLog,
  getAddress,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  parseAbiItem,
  parseEther,
  parseEventLogs,
  toBytes,
  webSocket,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALITH, ALITH_KEY, CHAIN_ID, compileTestToken, darwinChain } from "./eth-helpers.ts";

let node: DarwinNodeHandle;
let chain: ReturnType<typeof darwinChain>;
let client: PublicClient;
const alith = privateKeyToAccount(ALITH_KEY);
const token = compileTestToken();
let tokenAddress: Hex;
let transferHash: Hex;
const TRANSFER = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");

beforeAll(async () => {
  node = await startDarwinNode(["--dev", "--sealing", "300"]);
  chain = darwinChain(node.httpUrl, node.wsUrl);
  client = createPublicClient({ chain, transport: http(node.httpUrl), pollingInterval: 100 });
  // A few blocks in, so parents and fee history have something to show.
  while ((await client.getBlockNumber({ cacheTime: 0 })) < 2n) await new Promise((r) => setTimeout(r, 100));
}, 90_000);

afterAll(async () => {
  await node?.stop();
});

const wallet = () =>
  createWalletClient({ account: alith, chain, transport: http(node.httpUrl), pollingInterval: 100 });

const rpc = async (method: string, params: unknown[] = []) => {
  const r = await rpcCall(node.httpUrl, method, params);
  if (r.error) throw Object.assign(new Error(r.error.message), r.error);
  return r.result;
};

describe("identity and state", () => {
  it("answers the chain id, network id and client version", async () => {
    expect(await client.getChainId()).toBe(CHAIN_ID);
    const provider = new JsonRpcProvider(node.httpUrl, undefined, { staticNetwork: false });
    expect((await provider.getNetwork()).chainId).toBe(BigInt(CHAIN_ID));
    provider.destroy();
    expect(await rpc("net_version")).toBe(String(CHAIN_ID));
    expect(await rpc("net_listening")).toBe(true);
    expect(await rpc("net_peerCount")).toBe("0x0");
    expect(await rpc("web3_clientVersion")).toMatch(/^darwin-node\//);
    expect(await rpc("web3_sha3", ["0x68656c6c6f"])).toBe(keccak256(toBytes("hello")));
    expect(await rpc("eth_syncing")).toBe(false);
    expect(await rpc("eth_accounts")).toEqual([]);
    const { methods } = (await rpc("rpc_methods")) as { methods: string[] };
    for (const m of [
      "eth_sendRawTransaction",
      "eth_subscribe",
      "eth_unsubscribe",
      "txpool_content",
      "debug_traceTransaction",
    ])
      expect(methods).toContain(m);
  });

  it("reports Alith's balance as her Substrate free balance, at the same block", async () => {
    const block = await client.getBlock({ blockTag: "latest" });
    const substrateHash = (await rpc("chain_getBlockHash", [Number(block.number)])) as string;
    const key = toHex(
      concatBytes(storagePrefix("System", "Account"), hashKey("Blake2_128Concat", fromHex(ALITH))),
    );
    const raw = (await rpc("state_getStorage", [key, substrateHash])) as string;
    const free = decode(AccountInfo, fromHex(raw)).data.free;
    expect(free).toBeGreaterThan(0n);
    expect(await client.getBalance({ address: ALITH, blockNumber: block.number })).toBe(free);
    // The Ethereum block hash also selects the block (EIP-1898).
    expect(await rpc("eth_getBalance", [ALITH, { blockHash: block.hash }])).toBe(`0x${free.toString(16)}`);
    const provider = new JsonRpcProvider(node.httpUrl);
    expect(await provider.getBalance(ALITH, Number(block.number))).toBe(free);
    provider.destroy();
  });

  it("serves blocks by number, hash and tag with the base fee", async () => {
    const latest = await client.getBlock({ blockTag: "latest" });
    expect(latest.baseFeePerGas).toBeGreaterThan(0n);
    const byHash = await client.getBlock({ blockHash: latest.hash });
    expect(byHash.number).toBe(latest.number);
    expect(byHash.hash).toBe(latest.hash);
    const parent = await client.getBlock({ blockNumber: latest.number - 1n });
    expect(latest.parentHash).toBe(parent.hash);
    const earliest = await client.getBlock({ blockTag: "earliest" });
    expect(earliest.number).toBe(0n);
    const finalized = await client.getBlock({ blockTag: "finalized" });
    expect(finalized.number).toBeLessThanOrEqual(latest.number);
    expect(await rpc("eth_getBlockByNumber", ["0xffffff", false])).toBeNull();
    const history = await client.getFeeHistory({ blockCount: 4, rewardPercentiles: [50] });
    // Up to 4 blocks back, plus the next block's base fee.
    expect(history.baseFeePerGas).toHaveLength(history.gasUsedRatio.length + 1);
    expect(history.gasUsedRatio.length).toBeGreaterThanOrEqual(3);
    expect(await client.getGasPrice()).toBeGreaterThan(0n);
  });
});

describe("transactions", () => {
  it("sends an EIP-1559 value transfer and reports it by hash, block and receipt", async () => {
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const value = parseEther("1.5");
    const nonceBefore = await client.getTransactionCount({ address: ALITH });
    const hash = await wallet().sendTransaction({ to, value });
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    expect(receipt.type).toBe("eip1559");
    expect(receipt.gasUsed).toBe(21_000n);
    expect(await client.getBalance({ address: to })).toBe(value);
    expect(await client.getTransactionCount({ address: ALITH })).toBe(nonceBefore + 1);
    const tx = await client.getTransaction({ hash });
    expect(tx.blockHash).toBe(receipt.blockHash);
    expect(tx.from.toLowerCase()).toBe(ALITH.toLowerCase());
    expect(tx.maxFeePerGas).toBeGreaterThan(0n);
    const block = await client.getBlock({ blockHash: receipt.blockHash, includeTransactions: true });
    // EIP-1559: the price paid is the block's base fee plus the tip (capped by maxFeePerGas).
    let tip = tx.maxFeePerGas! - block.baseFeePerGas!;
    if (tx.maxPriorityFeePerGas! < tip) tip = tx.maxPriorityFeePerGas!;
    expect(receipt.effectiveGasPrice).toBe(block.baseFeePerGas! + tip);
    expect(tx.gasPrice).toBe(receipt.effectiveGasPrice);
    expect(block.transactions.map((t) => t.hash)).toContain(hash);
    expect(await client.getBlockTransactionCount({ blockHash: receipt.blockHash })).toBe(
      block.transactions.length,
    );
    const byIndex = await client.getTransaction({
      blockNumber: receipt.blockNumber,
      index: receipt.transactionIndex,
    });
    expect(byIndex.hash).toBe(hash);
    const receipts = (await rpc("eth_getBlockReceipts", [toHex32(receipt.blockNumber)])) as {
      transactionHash: string;
    }[];
    expect(receipts.map((r) => r.transactionHash)).toContain(hash);
  });

  it("sends a legacy EIP-155 transaction signed by ethers", async () => {
    const provider = new JsonRpcProvider(node.httpUrl, undefined, { pollingInterval: 100 });
    const signer = new Wallet(ALITH_KEY, provider);
    const to = Wallet.createRandom().address;
    const feeData = await provider.getFeeData();
    const sent = await signer.sendTransaction({ to, value: 1234n, type: 0, gasPrice: feeData.gasPrice! });
    const receipt = await sent.wait();
    expect(receipt?.status).toBe(1);
    const tx = await provider.getTransaction(sent.hash);
    expect(tx?.type).toBe(0);
    expect(tx?.chainId).toBe(BigInt(CHAIN_ID));
    expect(await provider.getBalance(to)).toBe(1234n);
    provider.destroy();
  });
});

function toHex32(n: bigint): string {
  return `0x${n.toString(16)}`;
}

describe("an ERC-20 compiled by solc", () => {
  it("deploys, transfers, and reports status and logs", async () => {
    const deploy = await wallet().deployContract({
      abi: token.abi,
      bytecode: token.bytecode,
      args: ["Darwin Test Token", "DTT", parseEther("1000000")],
    });
    const deployed = await client.waitForTransactionReceipt({ hash: deploy });
    expect(deployed.status).toBe("success");
    tokenAddress = deployed.contractAddress!;
    expect(await client.getCode({ address: tokenAddress })).toMatch(/^0x[0-9a-f]{100,}/);
    expect(await client.readContract({ address: tokenAddress, abi: token.abi, functionName: "symbol" })).toBe(
      "DTT",
    );

    const to = privateKeyToAccount(generatePrivateKey()).address;
    const estimate = await client.estimateContractGas({
      address: tokenAddress,
      abi: token.abi,
      functionName: "transfer",
      args: [to, 500n],
      account: alith,
    });
    const hash = await wallet().writeContract({
      address: tokenAddress,
      abi: token.abi,
      functionName: "transfer",
      args: [to, 500n],
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    expect(estimate).toBeGreaterThanOrEqual(receipt.gasUsed);
    expect(Number(estimate)).toBeLessThanOrEqual(Number(receipt.gasUsed) * 1.5);
    const [log] = parseEventLogs({ abi: token.abi, logs: receipt.logs, eventName: "Transfer" });
    expect(log?.args).toEqual({ from: getAddress(ALITH), to: getAddress(to), value: 500n });
    expect(
      await client.readContract({
        address: tokenAddress,
        abi: token.abi,
        functionName: "balanceOf",
        args: [to],
      }),
    ).toBe(500n);
    // The balance slot of `to` (mapping at slot 3) as eth_getStorageAt sees it.
    const slot = keccak256(`0x${to.slice(2).toLowerCase().padStart(64, "0")}${"3".padStart(64, "0")}`);
    expect(BigInt((await client.getStorageAt({ address: tokenAddress, slot })) ?? "0x0")).toBe(500n);

    // eth_getLogs by topic: Transfer events to `to`, from the deployment block on.
    const logs = await client.getLogs({
      address: tokenAddress,
      event: TRANSFER,
      args: { to },
      fromBlock: deployed.blockNumber,
    });
    expect(logs.map((l) => l.transactionHash)).toEqual([hash]);
    transferHash = hash;
    const none = await client.getLogs({
      address: tokenAddress,
      event: TRANSFER,
      args: { from: to },
      fromBlock: deployed.blockNumber,
    });
    expect(none).toEqual([]);
  });

  it("decodes the revert reason of eth_call and eth_estimateGas", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    for (const run of [
      () =>
        client.simulateContract({
          address: tokenAddress,
          abi: token.abi,
          functionName: "transfer",
          args: [ALITH, 1n],
          account: stranger,
        }),
      () =>
        client.estimateContractGas({
          address: tokenAddress,
          abi: token.abi,
          functionName: "transfer",
          args: [ALITH, 1n],
          account: stranger,
        }),
    ]) {
      const err = await run().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BaseError);
      const reverted = (err as BaseError).walk((e) => e instanceof ContractFunctionRevertedError);
      expect(reverted).toBeInstanceOf(ContractFunctionRevertedError);
      expect((reverted as ContractFunctionRevertedError).reason).toBe(
        "ERC20: transfer amount exceeds balance",
      );
    }
    const raw = await rpcCall(node.httpUrl, "eth_call", [
      {
        from: stranger.address,
        to: tokenAddress,
        data: `0xa9059cbb${"0".repeat(24)}${ALITH.slice(2)}${"1".padStart(64, "0")}`,
      },
      "latest",
    ]);
    expect(raw.error?.code).toBe(3);
    expect(raw.error?.message).toBe("execution reverted: ERC20: transfer amount exceeds balance");
  });

  it("traces a transaction with the call tracer", async () => {
    const receipt = await client.getTransactionReceipt({ hash: transferHash });
    const frame = (await rpc("debug_traceTransaction", [transferHash, { tracer: "callTracer" }])) as {
      type: string;
      from: string;
      to: string;
      input: string;
      output: string;
      gasUsed: string;
      calls?: unknown[];
    };
    expect(frame.type).toBe("CALL");
    expect(frame.from).toBe(ALITH.toLowerCase());
    expect(frame.to).toBe(tokenAddress.toLowerCase());
    expect(frame.input.startsWith("0xa9059cbb")).toBe(true);
    expect(BigInt(frame.output)).toBe(1n);
    expect(BigInt(frame.gasUsed)).toBe(receipt.gasUsed);
    const unsupported = await rpcCall(node.httpUrl, "debug_traceTransaction", [transferHash, {}]);
    expect(unsupported.error?.code).toBe(-32602);
  });

  it("applies state overrides to eth_call only", async () => {
    const who = privateKeyToAccount(generatePrivateKey()).address;
    // SELFBALANCE PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
    const out = await rpc("eth_call", [
      { to: who, data: "0x" },
      "latest",
      { [who]: { balance: "0x3039", code: "0x4760005260206000f3" } },
    ]);
    expect(BigInt(out as string)).toBe(12345n);
    expect(await client.getBalance({ address: who })).toBe(0n);
    expect(await client.getCode({ address: who })).toBeUndefined();
  });

  it("delivers watchContractEvent over WebSocket (eth_subscribe) and HTTP (filters)", async () => {
    const wsClient = createPublicClient({ chain, transport: webSocket(node.wsUrl) });
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const seen = { ws: [] as unknown[], http: [] as unknown[] };
    const ws = new Promise<void>((resolve) => {
      const off = wsClient.watchContractEvent({
        address: tokenAddress,
        abi: token.abi,
        eventName: "Transfer",
        args: { to } as never,
        onLogs: (logs) => {
          seen.ws.push(...logs);
          off();
          resolve();
        },
      });
    });
    const polled = new Promise<void>((resolve) => {
      const off = client.watchContractEvent({
        address: tokenAddress,
        abi: token.abi,
        eventName: "Transfer",
        args: { to } as never,
        poll: true,
        pollingInterval: 100,
        onLogs: (logs) => {
          seen.http.push(...logs);
          off();
          resolve();
        },
      });
    });
    // Let both watchers install (subscription / filter) before the event happens.
    await new Promise((r) => setTimeout(r, 500));
    const hash = await wallet().writeContract({
      address: tokenAddress,
      abi: token.abi,
      functionName: "transfer",
      args: [to, 7n],
    });
    await Promise.all([ws, polled]);
    for (const logs of [seen.ws, seen.http]) {
      const log = logs[0] as { transactionHash: string; data: Hex; topics: [Hex, ...Hex[]] };
      expect(log.transactionHash).toBe(hash);
      expect(decodeEventLog({ abi: token.abi, data: log.data, topics: log.topics }).args).toMatchObject({
        value: 7n,
      });
    }
    await wsClient.transport.getRpcClient().then((c) => c.close());
  });

  it("transfers the token with ethers too", async () => {
    const { Contract } = await import("ethers");
    const provider = new JsonRpcProvider(node.httpUrl, undefined, { pollingInterval: 100 });
    const signer = new Wallet(ALITH_KEY, provider);
    const erc20 = new Contract(tokenAddress, token.abi as never, signer);
    const to = Wallet.createRandom().address;
    const tx = await erc20.getFunction("transfer")(to, 42n);
    const receipt = await tx.wait();
    expect(receipt.status).toBe(1);
    expect(receipt.logs).toHaveLength(1);
    expect(await erc20.getFunction("balanceOf")(to)).toBe(42n);
    provider.destroy();
  });
});
