// Ethereum transactions over HTTP JSON-RPC, end to end: 2,000 signed ETH transfers and 2,000 ERC-20
// transfers per endpoint, pre-signed, submitted pipelined, timed from the first submission until
// every transaction's receipt is available. Same client code, same transactions, same machine, one
// endpoint at a time (so they never compete for the two cores):
//
//   reference: `hardhat node` (EDR, Hardhat 3, automine), a child process on a free 127.0.0.1 port
//   darwin:    `darwin-node --dev` (instant sealing) and `darwin-node --dev --sealing 500`
//
// Load: the funded account pays SENDERS fresh accounts (and, for the ERC-20 run, gives each tokens);
// those are not timed. Every endpoint then gets the same untimed warm-up (EVM_HTTP_WARMUP transfers of
// each kind, default 1,000, sent the way the timed ones are), so that both are measured in their
// steady state rather than in their first seconds of JIT compilation. Each sender then submits its share of signed transactions in nonce order, one
// request in flight per sender and all senders at once (SENDERS requests in flight), so no request
// ever arrives ahead of a lower nonce of its own sender. Timing stops when each sender's last
// transaction has a receipt (same-sender nonces are included in order); afterwards every receipt is
// fetched and must say `success`, and the recipients' balances must add up.
//
//   npm run bench -- evm-http          # EVM_HTTP_TXS=2000 EVM_HTTP_SENDERS=16 EVM_HTTP_WARMUP=1000 by default
import { readFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import {
  type DarwinNodeHandle,
  freePort,
  jsonRpcAnswers,
  nodeBinary,
  type RunningProcess,
  startDarwinNode,
  startProcess,
} from "@darwin/test-utils";
import { encodeFunctionData, type Hex, parseAbi } from "viem";
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { printTable, type Row } from "./harness.ts";

const TXS = Number(process.env.EVM_HTTP_TXS ?? 2000);
const SENDERS = Number(process.env.EVM_HTTP_SENDERS ?? 16);
// Transactions per HTTP request: 1 sends one JSON-RPC call per request; more sends JSON-RPC batches
// (each sender's next transactions, in nonce order), so the client's round trips stop setting the pace.
const PER_REQUEST = Number(process.env.EVM_HTTP_BATCH ?? 1);
// Untimed transfers of each kind sent first, the same way, so that every endpoint is measured in its
// steady state (JIT-compiled paths, warm caches) rather than in its first seconds after start.
const WARMUP = Number(process.env.EVM_HTTP_WARMUP ?? 1000);
const ETHER = 10n ** 18n;
const ALITH_KEY: Hex = "0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133";
// Account #0 of Hardhat's default development mnemonic ("test test ... junk"), funded by `hardhat node`.
const HARDHAT_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const erc20 = parseAbi([
  "function transfer(address to, uint256 value) returns (bool)",
  "function balanceOf(address owner) view returns (uint256)",
]);

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const contractsDir = join(repoRoot, "contracts");

// ---------------------------------------------------------------- JSON-RPC over HTTP

class RpcError extends Error {
  readonly code: number;
  constructor(method: string, code: number, message: string) {
    super(`${method}: ${message} (${code})`);
    this.name = "RpcError";
    this.code = code;
  }
}

// The load generator's HTTP client. "http" (default): node:http with a keep-alive agent, which is
// what ethers v6 uses in Node.js; "fetch": the global fetch (undici), which is what viem uses. fetch
// costs the client ~0.33 ms of CPU per request on this machine against ~0.11 ms for node:http
// (measured against a bare node:http server answering a fixed body), i.e. about half of
// darwin-node's whole per-transaction time with one request in flight: it measures the client more
// than the endpoint. Both endpoints always get the same client.
const CLIENT = process.env.EVM_HTTP_CLIENT ?? "http";
if (CLIENT !== "http" && CLIENT !== "fetch")
  throw new Error(`EVM_HTTP_CLIENT must be http or fetch, not ${CLIENT}`);
const agent = new http.Agent({ keepAlive: true });

/** POSTs a JSON body; resolves with the HTTP status and the parsed JSON (or the text, if not JSON). */
async function post(url: string, body: string): Promise<{ readonly status: number; readonly body: unknown }> {
  if (CLIENT === "fetch") {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await res.text();
    return { status: res.status, body: parseMaybe(text) };
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: parseMaybe(Buffer.concat(chunks).toString("utf8")) }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function parseMaybe(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await post(url, JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }));
  if (res.status !== 200) throw new RpcError(method, res.status, `HTTP ${res.status} ${String(res.body)}`);
  const body = res.body as { result?: T; error?: { code: number; message: string } };
  if (body.error) throw new RpcError(method, body.error.code, body.error.message);
  return body.result as T;
}

interface Receipt {
  readonly status: Hex;
  readonly blockNumber: Hex;
  readonly contractAddress: Hex | null;
}

/** One JSON-RPC batch of `eth_sendRawTransaction` calls; returns the hashes in order. */
async function sendBatch(url: string, raws: readonly Hex[]): Promise<Hex[]> {
  const res = await post(
    url,
    JSON.stringify(
      raws.map((raw, id) => ({ jsonrpc: "2.0", id, method: "eth_sendRawTransaction", params: [raw] })),
    ),
  );
  if (res.status !== 200)
    throw new RpcError("eth_sendRawTransaction", res.status, `HTTP ${res.status} ${String(res.body)}`);
  const body = res.body as {
    id: number;
    result?: Hex;
    error?: { code: number; message: string };
  }[];
  const byId = new Map(body.map((r) => [r.id, r]));
  return raws.map((_, id) => {
    const r = byId.get(id);
    if (!r || r.error || !r.result)
      throw new RpcError("eth_sendRawTransaction", r?.error?.code ?? -1, r?.error?.message ?? "no answer");
    return r.result;
  });
}

async function waitForReceipt(url: string, hash: Hex, timeoutMs = 300_000): Promise<Receipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await rpc<Receipt | null>(url, "eth_getTransactionReceipt", [hash]);
    if (receipt) return receipt;
    if (Date.now() > deadline) throw new Error(`no receipt for ${hash} within ${timeoutMs} ms`);
    await sleep(10);
  }
}

// ---------------------------------------------------------------- transactions

function compileToken(): Hex {
  const solc = createRequire(import.meta.url)("solc") as { compile(input: string): string };
  const source = readFileSync(join(contractsDir, "src", "token", "DarwinTestToken.sol"), "utf8");
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { "DarwinTestToken.sol": { content: source } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          evmVersion: "cancun",
          outputSelection: { "*": { DarwinTestToken: ["evm.bytecode.object"] } },
        },
      }),
    ),
  ) as { contracts: Record<string, Record<string, { evm: { bytecode: { object: string } } }>> };
  const object = out.contracts["DarwinTestToken.sol"]?.DarwinTestToken?.evm.bytecode.object;
  if (!object) throw new Error("solc produced no DarwinTestToken bytecode");
  return `0x${object}`;
}

function encodeConstructor(bytecode: Hex, supply: bigint): Hex {
  // constructor(string name, string symbol, uint256 initialSupply)
  const word = (n: bigint | number) => n.toString(16).padStart(64, "0");
  const str = (s: string) => {
    const hex = Buffer.from(s, "utf8").toString("hex");
    return word(s.length) + hex.padEnd(Math.ceil(hex.length / 64) * 64 || 64, "0");
  };
  const name = str("Bench Token");
  const symbol = str("BENCH");
  const head = word(96) + word(96 + name.length / 2) + word(supply);
  return `${bytecode}${head}${name}${symbol}`;
}

interface Chain {
  readonly url: string;
  readonly chainId: number;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

interface TxFields {
  readonly to?: Hex;
  readonly value?: bigint;
  readonly data?: Hex;
  readonly gas: bigint;
  readonly nonce: number;
}

function sign(chain: Chain, account: PrivateKeyAccount, tx: TxFields): Promise<Hex> {
  return account.signTransaction({
    type: "eip1559",
    chainId: chain.chainId,
    maxFeePerGas: chain.maxFeePerGas,
    maxPriorityFeePerGas: chain.maxPriorityFeePerGas,
    ...tx,
  });
}

async function nonceOf(url: string, address: Hex): Promise<number> {
  return Number(await rpc<Hex>(url, "eth_getTransactionCount", [address, "pending"]));
}

/** Sends signed transactions one after another and waits for all their receipts (setup, untimed). */
async function sendAndConfirm(url: string, raws: readonly Hex[]): Promise<Receipt[]> {
  const hashes: Hex[] = [];
  for (const raw of raws) hashes.push(await rpc<Hex>(url, "eth_sendRawTransaction", [raw]));
  const receipts: Receipt[] = [];
  for (const hash of hashes) {
    const receipt = await waitForReceipt(url, hash);
    if (receipt.status !== "0x1") throw new Error(`setup transaction ${hash} failed`);
    receipts.push(receipt);
  }
  return receipts;
}

// ---------------------------------------------------------------- one measured run

interface Batch {
  /** Per sender: its signed transactions in nonce order. */
  readonly perSender: readonly (readonly Hex[])[];
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), in clock ticks of 1/100 s on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

interface RunResult {
  readonly txPerSecond: number;
  /** The endpoint process's CPU time per transaction over the timed window, when its pid is known. */
  readonly cpuMsPerTx: number | undefined;
  readonly seconds: number;
  /** When the last eth_sendRawTransaction answered: how much of `seconds` was submission alone. */
  readonly submitSeconds: number;
  readonly blocks: number;
}

async function measure(url: string, batch: Batch, pid: number | undefined): Promise<RunResult> {
  const startBlock = Number(await rpc<Hex>(url, "eth_blockNumber"));
  const hashes: Hex[][] = batch.perSender.map(() => []);
  const cpu0 = cpuSecondsOf(pid);
  const t0 = performance.now();
  let submitted = t0;
  await Promise.all(
    batch.perSender.map(async (raws, s) => {
      if (PER_REQUEST <= 1) {
        for (const raw of raws) hashes[s]?.push(await rpc<Hex>(url, "eth_sendRawTransaction", [raw]));
      } else {
        for (let i = 0; i < raws.length; i += PER_REQUEST) {
          hashes[s]?.push(...(await sendBatch(url, raws.slice(i, i + PER_REQUEST))));
        }
      }
      submitted = Math.max(submitted, performance.now());
      const last = hashes[s]?.at(-1);
      if (last) await waitForReceipt(url, last);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuSecondsOf(pid);
  const total = batch.perSender.reduce((n, raws) => n + raws.length, 0);

  // Untimed check: every transaction has a successful receipt.
  let endBlock = startBlock;
  for (const senderHashes of hashes) {
    for (let i = 0; i < senderHashes.length; i += 50) {
      const receipts = await Promise.all(
        senderHashes.slice(i, i + 50).map((h) => rpc<Receipt | null>(url, "eth_getTransactionReceipt", [h])),
      );
      for (const [j, r] of receipts.entries()) {
        if (!r) throw new Error(`transaction ${senderHashes[i + j]} has no receipt after the run`);
        if (r.status !== "0x1")
          throw new Error(`transaction ${senderHashes[i + j]} failed (status ${r.status})`);
        endBlock = Math.max(endBlock, Number(r.blockNumber));
      }
    }
  }
  return {
    txPerSecond: total / seconds,
    cpuMsPerTx: cpu0 !== undefined && cpu1 !== undefined ? ((cpu1 - cpu0) * 1000) / total : undefined,
    seconds,
    submitSeconds: (submitted - t0) / 1000,
    blocks: endBlock - startBlock,
  };
}

interface EndpointResult {
  readonly eth: RunResult;
  readonly erc20: RunResult;
}

/** Funds fresh senders from `funderKey`, deploys the token, and measures both kinds of transfers. */
async function benchEndpoint(
  url: string,
  funderKey: Hex,
  tokenBytecode: Hex,
  pid?: number,
): Promise<EndpointResult> {
  const chainId = Number(await rpc<Hex>(url, "eth_chainId"));
  const gasPrice = BigInt(await rpc<Hex>(url, "eth_gasPrice"));
  // Generous fee cap so a rising base fee never strands a pre-signed transaction.
  const chain: Chain = {
    url,
    chainId,
    maxFeePerGas: gasPrice * 4n + 10n ** 9n,
    maxPriorityFeePerGas: 10n ** 9n < gasPrice ? 10n ** 9n : gasPrice,
  };
  const funder = privateKeyToAccount(funderKey);
  const senders = Array.from({ length: SENDERS }, () => privateKeyToAccount(generatePrivateKey()));
  const recipients = Array.from({ length: 100 }, () => privateKeyToAccount(generatePrivateKey()).address);

  // Setup (untimed): fund senders, deploy the token, hand each sender tokens.
  let nonce = await nonceOf(url, funder.address);
  const setup: Hex[] = [];
  for (const s of senders)
    setup.push(
      await sign(chain, funder, { to: s.address, value: 10n * ETHER, gas: 21_000n, nonce: nonce++ }),
    );
  setup.push(
    await sign(chain, funder, {
      data: encodeConstructor(tokenBytecode, 10n ** 30n),
      gas: 2_000_000n,
      nonce: nonce++,
    }),
  );
  const receipts = await sendAndConfirm(url, setup);
  const token = receipts.at(-1)?.contractAddress;
  if (!token) throw new Error("token deployment returned no contract address");
  const grants: Hex[] = [];
  for (const s of senders) {
    const data = encodeFunctionData({ abi: erc20, functionName: "transfer", args: [s.address, 10n ** 24n] });
    grants.push(await sign(chain, funder, { to: token, data, gas: 100_000n, nonce: nonce++ }));
  }
  await sendAndConfirm(url, grants);

  // Pre-sign everything (untimed).
  const build = async (
    kind: "eth" | "erc20",
    count = TXS,
    to_: readonly Hex[] = recipients,
  ): Promise<Batch> => {
    let k = 0;
    const share = Math.ceil(count / SENDERS);
    const batches: Hex[][] = [];
    for (const s of senders) {
      let n = await nonceOf(url, s.address);
      const raws: Hex[] = [];
      for (let i = 0; i < share && k < count; i++, k++) {
        const to = to_[k % to_.length] as Hex;
        raws.push(
          kind === "eth"
            ? await sign(chain, s, { to, value: 1_000n, gas: 21_000n, nonce: n++ })
            : await sign(chain, s, {
                to: token,
                data: encodeFunctionData({ abi: erc20, functionName: "transfer", args: [to, 1_000n] }),
                gas: 100_000n,
                nonce: n++,
              }),
        );
      }
      batches.push(raws);
    }
    return { perSender: batches };
  };

  if (WARMUP > 0) {
    // To recipients of their own, so that the balance check below counts the timed transfers only.
    const warm = Array.from({ length: 10 }, () => privateKeyToAccount(generatePrivateKey()).address);
    await measure(url, await build("eth", WARMUP, warm), undefined);
    await measure(url, await build("erc20", WARMUP, warm), undefined);
  }
  const ethBatch = await build("eth");
  const eth = await measure(url, ethBatch, pid);
  const erc20Batch = await build("erc20");
  const erc20Run = await measure(url, erc20Batch, pid);

  // Untimed: the recipients hold exactly what was sent.
  let ethSum = 0n;
  let tokenSum = 0n;
  for (const r of recipients) {
    ethSum += BigInt(await rpc<Hex>(url, "eth_getBalance", [r, "latest"]));
    const data = encodeFunctionData({ abi: erc20, functionName: "balanceOf", args: [r] });
    tokenSum += BigInt(await rpc<Hex>(url, "eth_call", [{ to: token, data }, "latest"]));
  }
  if (ethSum !== BigInt(TXS) * 1_000n)
    throw new Error(`recipients hold ${ethSum} wei, expected ${TXS * 1000}`);
  if (tokenSum !== BigInt(TXS) * 1_000n)
    throw new Error(`recipients hold ${tokenSum} tokens, expected ${TXS * 1000}`);
  return { eth, erc20: erc20Run };
}

// ---------------------------------------------------------------- endpoints

async function startHardhatNode(): Promise<{ url: string; proc: RunningProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cli = join(
    dirname(createRequire(join(contractsDir, "package.json")).resolve("hardhat/package.json")),
    "dist/src/cli.js",
  );
  const proc = await startProcess({
    name: "hardhat node",
    command: nodeBinary,
    args: [cli, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    cwd: contractsDir,
    env: { HARDHAT_DISABLE_TELEMETRY_PROMPT: "true", NO_COLOR: "1" },
    ready: jsonRpcAnswers(url, "eth_chainId"),
    readyTimeoutMs: 120_000,
  });
  return { url, proc };
}

type Outcome =
  | { readonly ok: true; readonly result: EndpointResult }
  | { readonly ok: false; readonly error: string };

async function attempt(label: string, run: () => Promise<EndpointResult>): Promise<Outcome> {
  try {
    const result = await run();
    const line = (r: RunResult) =>
      `${r.txPerSecond.toFixed(0)} tx/s (${r.seconds.toFixed(2)} s, of which submitting ${r.submitSeconds.toFixed(2)} s; ${r.blocks} blocks${r.cpuMsPerTx === undefined ? "" : `; ${r.cpuMsPerTx.toFixed(2)} ms CPU/tx`})`;
    console.log(`${label}: ETH ${line(result.eth)}, ERC-20 ${line(result.erc20)}`);
    return { ok: true, result };
  } catch (err) {
    const error = err instanceof Error ? (err.message.split("\n")[0] ?? err.message) : String(err);
    console.log(`${label}: FAILED: ${error}`);
    return { ok: false, error };
  }
}

async function withDarwin(args: readonly string[], tokenBytecode: Hex): Promise<EndpointResult> {
  let node: DarwinNodeHandle | undefined;
  try {
    node = await startDarwinNode(args);
    return await benchEndpoint(node.httpUrl, ALITH_KEY, tokenBytecode, node.proc.pid);
  } finally {
    await node?.stop();
  }
}

const tokenBytecode = compileToken();
console.log(
  `load: ${TXS} ETH transfers then ${TXS} ERC-20 transfers per endpoint (after an untimed warm-up of ${WARMUP} of each), ${SENDERS} senders, pre-signed EIP-1559, ${PER_REQUEST} per HTTP request, client ${CLIENT === "http" ? "node:http (keep-alive)" : "fetch"}`,
);

// EVM_HTTP_SKIP_HARDHAT=1 leaves the reference out (for profiling darwin-node alone; no ratios then).
const hardhat: Outcome =
  process.env.EVM_HTTP_SKIP_HARDHAT === "1"
    ? { ok: false, error: "skipped (EVM_HTTP_SKIP_HARDHAT=1)" }
    : await attempt("hardhat node (EDR)", async () => {
        const { url, proc } = await startHardhatNode();
        try {
          return await benchEndpoint(url, HARDHAT_KEY, tokenBytecode, proc.pid);
        } finally {
          await proc.stop();
        }
      });
// EVM_HTTP_DARWIN_URL measures a node that is already running (e.g. started under a profiler or with
// other flags) instead of the two nodes this script starts; it must fund Alith.
const external = process.env.EVM_HTTP_DARWIN_URL;
const darwinRuns: { readonly label: string; readonly outcome: Outcome }[] = [];
if (external !== undefined) {
  const label = `darwin-node at ${external}`;
  darwinRuns.push({
    label,
    outcome: await attempt(label, () => benchEndpoint(external, ALITH_KEY, tokenBytecode)),
  });
} else {
  for (const [label, args] of [
    ["darwin-node --dev (instant sealing)", ["--dev"]],
    ["darwin-node --dev --sealing 500", ["--dev", "--sealing", "500"]],
  ] as const) {
    darwinRuns.push({ label, outcome: await attempt(label, () => withDarwin(args, tokenBytecode)) });
  }
}

const rows: Row[] = [];
for (const { label, outcome } of darwinRuns) {
  for (const kind of ["eth", "erc20"] as const) {
    const what = kind === "eth" ? "ETH transfers" : "ERC-20 transfers";
    const reference = hardhat.ok
      ? { reference: { name: "hardhat node", value: Math.round(hardhat.result[kind].txPerSecond) } }
      : {};
    rows.push({
      name: `${what} included, ${label}${outcome.ok ? "" : " (failed)"}`,
      value: outcome.ok ? Math.round(outcome.result[kind].txPerSecond) : Number.NaN,
      unit: "tx/s",
      ...reference,
    });
  }
}
printTable(`${TXS} signed transfers over HTTP, submitted pipelined, until every receipt is available`, rows);
// CPU per transaction does not depend on how busy the shared machine is: the steadier comparison.
const cpuRows: Row[] = [];
for (const { label, outcome } of darwinRuns) {
  for (const kind of ["eth", "erc20"] as const) {
    const mine = outcome.ok ? outcome.result[kind].cpuMsPerTx : undefined;
    const ref = hardhat.ok ? hardhat.result[kind].cpuMsPerTx : undefined;
    if (mine === undefined) continue;
    cpuRows.push({
      name: `${kind === "eth" ? "ETH" : "ERC-20"} transfer, ${label}: endpoint CPU per transaction`,
      value: Number(mine.toFixed(3)),
      unit: "ms",
      ...(ref === undefined ? {} : { reference: { name: "hardhat node", value: Number(ref.toFixed(3)) } }),
    });
  }
}
if (cpuRows.length > 0) printTable("endpoint process CPU time (user + system) per transaction", cpuRows);
for (const { label, outcome } of [{ label: "hardhat node", outcome: hardhat }, ...darwinRuns]) {
  if (!outcome.ok) console.log(`${label} failed: ${outcome.error}`);
}
if (!hardhat.ok) process.exitCode = 1;
agent.destroy();
