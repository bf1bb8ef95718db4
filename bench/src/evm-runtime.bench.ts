// Ethereum transactions applied inside the Darwin runtime, beside plain @ethereumjs/vm doing the same
// transactions in the same run. Every world applies the same signed bytes: one deploy of an ERC-20
// (compiled here by the npm solc package), N ETH transfers and N ERC-20 transfers to fresh accounts,
// each decoded and signature-recovered (native secp256k1 through customCrypto.ecrecover) and run.
//
//   darwin:    Ethereum.checkSelfContained (recover) + applySelfContained (EVM over runtime storage,
//              System.Account balances, fee through OnChargeTransaction, receipt + status recorded),
//              blocks of 1,000 transactions finalized (Ethereum block, tx/receipt tries; the Substrate
//              state root is left out: the node computes it in the trie layer, benchmarked in `trie`).
//   reference: createVM + runTx on ethereumjs's own SimpleStateManager and MerkleStateManager.
//
//   npm run bench -- evm-runtime            # EVM_BENCH_TXS=2000 by default
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { blake2_256, devEthereumAccounts } from "@darwin/crypto";
import { ethereum, evm as evmPallets } from "@darwin/pallets";
import { Header, InMemoryBackend, OverlayedExternalities } from "@darwin/pallets/support";
import { buildGenesisState, DarwinRuntime, genesisPreset } from "@darwin/runtime-spec";
import { encode, u64 } from "@darwin/scale";
import { createBlock } from "@ethereumjs/block";
import { Common, Hardfork, Mainnet, type StateManagerInterface } from "@ethereumjs/common";
import { NobleBN254 } from "@ethereumjs/evm";
import { MerkleStateManager, SimpleStateManager } from "@ethereumjs/statemanager";
import { createTx, createTxFromRLP } from "@ethereumjs/tx";
import { Account, Address, createContractAddress } from "@ethereumjs/util";
import { createVM, runTx } from "@ethereumjs/vm";
import { bn254 } from "@noble/curves/bn254.js";
import { percentile, printTable, type Row } from "./harness.ts";

const N = Number(process.env.EVM_BENCH_TXS ?? 2000);
const PER_BLOCK = 1000;
const DNA = 10n ** 18n;
const AURA = new Uint8Array([0x61, 0x75, 0x72, 0x61]);

// ---------------------------------------------------------------- the transactions

function compileToken(): Uint8Array {
  const solc = createRequire(import.meta.url)("solc") as { compile(input: string): string };
  const source = readFileSync(
    new URL("../../runtime-spec/test/fixtures/EvmTest.sol", import.meta.url),
    "utf8",
  );
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { "EvmTest.sol": { content: source } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          evmVersion: "cancun",
          outputSelection: { "*": { TestToken: ["evm.bytecode.object"] } },
        },
      }),
    ),
  );
  return Buffer.from(out.contracts["EvmTest.sol"].TestToken.evm.bytecode.object, "hex");
}

const sender = devEthereumAccounts()[1]!; // Baltathar (Alith authors the dev chain's blocks)
const common = evmPallets.createDarwinCommon();
const tokenAddress = createContractAddress(new Address(sender.address), 0n).bytes;

function recipient(i: number, kind: number): Uint8Array {
  const a = new Uint8Array(20);
  a[0] = 0xaa;
  a[1] = kind;
  new DataView(a.buffer).setUint32(16, i);
  return a;
}

function sign(nonce: number, to: Uint8Array | undefined, value: bigint, data: Uint8Array, gasLimit: bigint) {
  return createTx(
    {
      type: 2,
      nonce: BigInt(nonce),
      maxFeePerGas: 10_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
      gasLimit,
      ...(to ? { to } : {}),
      value,
      data,
    },
    { common },
  )
    .sign(sender.secretKey)
    .serialize();
}

function erc20Transfer(to: Uint8Array, amount: bigint): Uint8Array {
  const data = new Uint8Array(4 + 64);
  data.set([0xa9, 0x05, 0x9c, 0xbb]);
  data.set(to, 4 + 12);
  data.set(Buffer.from(amount.toString(16).padStart(64, "0"), "hex"), 36);
  return data;
}

const init = new Uint8Array([
  ...compileToken(),
  ...Buffer.from((10n ** 30n).toString(16).padStart(64, "0"), "hex"),
]);
process.stdout.write(`signing ${2 * N + 1} transactions...\n`);
const deployTx = sign(0, undefined, 0n, init, 2_000_000n);
const ethTxs = Array.from({ length: N }, (_, i) =>
  sign(1 + i, recipient(i, 1), DNA / 100n, new Uint8Array(0), 21_000n),
);
const erc20Txs = Array.from({ length: N }, (_, i) =>
  sign(1 + N + i, tokenAddress, 0n, erc20Transfer(recipient(i, 2), 1_000n), 80_000n),
);

// ---------------------------------------------------------------- darwin

interface Timed {
  readonly wallMs: number;
  readonly cpuMs: number;
}

async function timed(fn: () => Promise<void>): Promise<Timed> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000 };
}

async function darwinWorld() {
  const backend = new InMemoryBackend();
  const rt = new DarwinRuntime({ orderedTrieRoot: () => new Uint8Array(32) });
  const zeroRoot = () => new Uint8Array(32);
  const genesis = new OverlayedExternalities(backend, zeroRoot);
  buildGenesisState(rt, genesis, genesisPreset("dev"));
  backend.apply(genesis.changes());
  const eth = rt.pallets.frontier.ethereum;
  let number = 0;
  let now = 1_700_000_000_000n;
  let parentHash: Uint8Array = new Uint8Array(32);
  let failed = 0;
  async function block(txs: readonly Uint8Array[]) {
    const ext = new OverlayedExternalities(backend, zeroRoot);
    number += 1;
    now += 6000n;
    await rt.initializeBlock(ext, {
      parentHash,
      number,
      stateRoot: new Uint8Array(32),
      extrinsicsRoot: new Uint8Array(32),
      digest: { logs: [{ type: "PreRuntime", value: [AURA, encode(u64, 1000n + BigInt(number))] }] },
    });
    for (const xt of rt.inherentExtrinsics(new Map([["timstap0", encode(u64, now)]])))
      await rt.applyExtrinsic(ext, xt);
    const ctx = rt.ctx(ext);
    for (const raw of txs) {
      const call = { type: "Ethereum", value: { type: "transact", value: { transaction: raw } } };
      const who = eth.checkSelfContained(call);
      await eth.applySelfContained(ctx, call, who);
    }
    const header = await rt.finalizeBlock(ext);
    parentHash = blake2_256(encode(Header, header));
    backend.apply(ext.changes());
    const receipts = ethereum.CurrentReceipts.get(new OverlayedExternalities(backend, zeroRoot));
    failed += (receipts ?? []).filter((r) => r.value.statusCode !== 1).length;
  }
  async function run(txs: readonly Uint8Array[]): Promise<Timed> {
    return timed(async () => {
      for (let i = 0; i < txs.length; i += PER_BLOCK) await block(txs.slice(i, i + PER_BLOCK));
    });
  }
  await block([deployTx]);
  const ethT = await run(ethTxs);
  const erc20T = await run(erc20Txs);
  if (failed > 0) throw new Error(`${failed} darwin transactions failed`);
  return { ethT, erc20T };
}

// ---------------------------------------------------------------- reference: plain ethereumjs

// The reference is ethereumjs as a user gets it: its own Common (copied per transaction, as
// ethereumjs does), its own interpreter loop and jump analysis; only signer recovery is native, as in
// Darwin. Darwin's process-wide interpreter patches are switched off while it runs.
const stockCommon = new Common({
  chain: {
    ...Mainnet,
    name: "darwin",
    chainId: Number(common.chainId()),
    bootstrapNodes: [],
    dnsNetworks: [],
  },
  hardfork: Hardfork.Prague,
  customCrypto: { ecrecover: evmPallets.nativeEcrecover },
});

async function referenceWorld(makeStateManager: (c: Common) => StateManagerInterface) {
  evmPallets.interpreterPatches.loop = false;
  evmPallets.interpreterPatches.jumpdestCache = false;
  try {
    return await referenceRun(makeStateManager(stockCommon), stockCommon);
  } finally {
    evmPallets.interpreterPatches.loop = true;
    evmPallets.interpreterPatches.jumpdestCache = true;
  }
}

async function referenceRun(stateManager: StateManagerInterface, common: Common) {
  const vm = await createVM({ common, stateManager });
  await stateManager.putAccount(new Address(sender.address), new Account(0n, 10n ** 27n));
  const block = createBlock(
    {
      header: { number: 1n, gasLimit: 10n ** 12n, baseFeePerGas: 1_000_000_000n, timestamp: 1_700_000_000n },
    },
    { common, skipConsensusFormatValidation: true },
  );
  let failed = 0;
  const apply = async (raw: Uint8Array) => {
    const tx = createTxFromRLP(raw, { common });
    const r = await runTx(vm, { tx, block, skipHardForkValidation: true });
    if (r.execResult.exceptionError) failed++;
  };
  await apply(deployTx);
  const ethT = await timed(async () => {
    for (const raw of ethTxs) await apply(raw);
  });
  const erc20T = await timed(async () => {
    for (const raw of erc20Txs) await apply(raw);
  });
  if (failed > 0) throw new Error(`${failed} reference transactions failed`);
  return { ethT, erc20T };
}

const darwin = await darwinWorld();
const simple = await referenceWorld((c) => new SimpleStateManager({ common: c }));
const merkle = await referenceWorld((c) => new MerkleStateManager({ common: c }));

const perSec = (t: Timed) => N / (t.wallMs / 1000);
const perCpuSec = (t: Timed) => N / (t.cpuMs / 1000);
const rows: Row[] = [];
for (const [kind, key] of [
  ["ETH transfers", "ethT"],
  ["ERC-20 transfers", "erc20T"],
] as const) {
  rows.push(
    {
      name: `${kind}/s (wall), vs SimpleStateManager`,
      value: perSec(darwin[key]),
      unit: "tx/s",
      reference: { name: "ethereumjs SimpleStateManager", value: perSec(simple[key]) },
    },
    {
      name: `${kind}/s (wall), vs MerkleStateManager`,
      value: perSec(darwin[key]),
      unit: "tx/s",
      reference: { name: "ethereumjs MerkleStateManager", value: perSec(merkle[key]) },
    },
    {
      name: `${kind}/s (CPU), vs SimpleStateManager`,
      value: perCpuSec(darwin[key]),
      unit: "tx/s",
      reference: { name: "ethereumjs SimpleStateManager", value: perCpuSec(simple[key]) },
    },
    {
      name: `${kind}: ms per tx (wall)`,
      value: darwin[key].wallMs / N,
      unit: "ms",
      reference: { name: "ethereumjs SimpleStateManager", value: simple[key].wallMs / N },
    },
  );
}
printTable(`EVM in the runtime: ${N} ETH and ${N} ERC-20 transfers, signature recovery included`, rows);

// ---------------------------------------------------------------- alt_bn128 pairing (0x08)

// A Groth16 verification is one 4-pair pairing check: e(A,B) e(-alpha,beta) e(-vk_x,gamma) e(-C,delta) = 1.
const R = bn254.fields.Fr.ORDER;
const be = (v: bigint) => Buffer.from(v.toString(16).padStart(64, "0"), "hex");
const g1 = (k: bigint) => {
  const p = bn254.G1.Point.BASE.multiply(k).toAffine();
  return Buffer.concat([be(p.x), be(p.y)]);
};
const g2 = (k: bigint) => {
  const q = bn254.G2.Point.BASE.multiply(k).toAffine();
  return Buffer.concat([be(q.x.c1), be(q.x.c0), be(q.y.c1), be(q.y.c0)]);
};
// e(a,b) e(c,d) e(e,f) e(-(ab+cd+ef), 1) = 1
const pairingInput = Buffer.concat([
  g1(3n),
  g2(5n),
  g1(7n),
  g2(11n),
  g1(13n),
  g2(17n),
  g1(R - (15n + 77n + 221n)),
  g2(1n),
]);
function medianMs(fn: () => Uint8Array): number {
  const samples: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = process.hrtime.bigint();
    const out = fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (out[31] !== 1) throw new Error("pairing check failed");
  }
  return percentile(samples, 50);
}
const mclBn = await evmPallets.createMclBn254();
const nobleBn = new NobleBN254();
const pairingGas = 45_000n + 4n * 34_000n;
printTable("alt_bn128 pairing check, 4 pairs (a Groth16 verification), precompile 0x08", [
  {
    name: "median time (mcl-wasm, Darwin's backend)",
    value: medianMs(() => mclBn.pairing(pairingInput)),
    unit: "ms",
    reference: { name: "ethereumjs default @noble", value: medianMs(() => nobleBn.pairing(pairingInput)) },
  },
  { name: "gas charged (EIP-1108)", value: Number(pairingGas), unit: "gas" },
]);
