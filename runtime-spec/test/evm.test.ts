import { keccak256, signDigest } from "@darwin/crypto";
import { balances, ethereum as eth, evm, system } from "@darwin/pallets";
import { RLP } from "@ethereumjs/rlp";
import { createTx } from "@ethereumjs/tx";
import { eoaCode7702SignAuthorization } from "@ethereumjs/util";
import {
  type Abi,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  type Hex,
} from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { accounts, balanceOf, contracts, mixedBlock, nonceOf, signEth, TestChain } from "./evm-harness.ts";

const [alith, baltathar, charleth] = accounts();
const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString("hex")}`;
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/^0x/, ""), "hex"));
const DNA = 10n ** 18n;
const bigintBytes = (v: bigint): Uint8Array =>
  v === 0n
    ? new Uint8Array(0)
    : bytes(v.toString(16).padStart(Math.ceil(v.toString(16).length / 2) * 2, "0"));

/** Sum of all accounts' balances equals Balances.TotalIssuance. */
function issuanceHolds(chain: TestChain): void {
  const ext = chain.ext();
  let total = 0n;
  for (const [, info] of system.Account.entries(ext)) total += info.data.free + info.data.reserved;
  expect(total).toBe(balances.TotalIssuance.get(ext));
}

function eventNames(events: { event: { type: string; value: { type: string } } }[]): string[] {
  return events.map((e) => `${e.event.type}.${e.event.value.type}`);
}

async function deploy(chain: TestChain, who: number, name: string, args: unknown[] = []) {
  const c = contracts()[name]!;
  const data = encodeDeployData({ abi: c.abi as Abi, bytecode: c.bytecode as Hex, args });
  const nonce = BigInt(nonceOf(chain, accounts()[who]!.address));
  const { results } = await mixedBlock(chain, [
    { eth: signEth(chain, who, { data, gasLimit: 2_000_000n, nonce }) },
  ]);
  expect(results[0]).toEqual({ ok: true });
  const status = eth.CurrentTransactionStatuses.get(chain.ext())![0]!;
  expect(status.contractAddress).toBeDefined();
  return status.contractAddress!;
}

async function view(chain: TestChain, to: Uint8Array, abi: Abi, functionName: string, args: unknown[] = []) {
  const runner = chain.rt.pallets.frontier.evm.runner;
  const res = await runner.simulate(chain.rt.ctx(chain.ext()), {
    from: alith!.address,
    to,
    data: bytes(encodeFunctionData({ abi, functionName, args })),
  });
  expect(res.success).toBe(true);
  return decodeFunctionResult({ abi, functionName, data: hex(res.returnData) });
}

beforeAll(() => {
  contracts();
});

describe("EVM: Ethereum transactions", () => {
  it("an ETH transfer moves System.Account balances and nonces and pays fees through the fee hook", async () => {
    const chain = await TestChain.create();
    const issuance0 = balances.TotalIssuance.get(chain.ext());
    const author0 = balanceOf(chain, alith!.address);
    const b0 = balanceOf(chain, baltathar!.address);
    const c0 = balanceOf(chain, charleth!.address);
    const raw = signEth(chain, 1, { to: charleth!.address, value: DNA, gasLimit: 21_000n, nonce: 0n });
    const { results, events } = await mixedBlock(chain, [{ eth: raw }]);
    expect(results[0]).toEqual({ ok: true });
    expect(balanceOf(chain, charleth!.address)).toBe(c0 + DNA);
    expect(nonceOf(chain, baltathar!.address)).toBe(1);
    const baseFee = 1_000_000_000n;
    const tip = 1_000_000_000n;
    expect(b0 - balanceOf(chain, baltathar!.address)).toBe(DNA + 21_000n * (baseFee + tip));
    // Alith authors the dev chain's blocks: she gets half the base fee and the whole tip.
    expect(balanceOf(chain, alith!.address) - author0).toBe((21_000n * baseFee) / 2n + 21_000n * tip);
    // Darwin's fee hook: half the base fee burned, the rest and the tip to the author.
    expect(issuance0 - balances.TotalIssuance.get(chain.ext())).toBe((21_000n * baseFee) / 2n);
    expect(eventNames(events)).toContain("Ethereum.Executed");
    const receipts = eth.CurrentReceipts.get(chain.ext())!;
    expect(receipts[0]!.value).toMatchObject({ statusCode: 1, usedGas: 21_000n });
    const block = eth.CurrentBlock.get(chain.ext())!;
    expect(block.header.number).toBe(1n);
    expect(block.header.gasUsed).toBe(21_000n);
    expect(block.header.baseFeePerGas).toBe(baseFee);
    expect(block.transactions[0]).toEqual(raw);
    expect(eth.BlockHash.get(chain.ext(), 1n)).toEqual(eth.ethHeaderHash(block.header));
    expect(block.header.parentHash).toEqual(eth.BlockHash.get(chain.ext(), 0n));
    issuanceHolds(chain);
  });

  it("accepts legacy EIP-155, EIP-2930 and EIP-7702 transactions", async () => {
    const chain = await TestChain.create();
    const b0 = balanceOf(chain, baltathar!.address);
    const legacy = signEth(chain, 0, {
      type: 0,
      gasPrice: 5_000_000_000n,
      to: baltathar!.address,
      value: 1n,
      nonce: 0n,
      gasLimit: 21_000n,
    });
    const al = signEth(chain, 0, {
      type: 1,
      gasPrice: 5_000_000_000n,
      to: baltathar!.address,
      value: 2n,
      nonce: 1n,
      gasLimit: 30_000n,
      accessList: [],
    });
    // EIP-7702: Charleth delegates her account's code to a contract; Alith sponsors the transaction.
    const target = bytes("0x0000000000000000000000000000000000000801");
    const authorization = eoaCode7702SignAuthorization(
      { chainId: "0x1092", address: hex(target), nonce: "0x0" },
      charleth!.secretKey,
    );
    const setCode = signEth(chain, 0, {
      type: 4,
      to: baltathar!.address,
      value: 3n,
      nonce: 2n,
      gasLimit: 100_000n,
      authorizationList: [authorization],
    } as never);
    const { results } = await mixedBlock(chain, [{ eth: legacy }, { eth: al }, { eth: setCode }]);
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(balanceOf(chain, baltathar!.address)).toBe(b0 + 6n);
    const receipts = eth.CurrentReceipts.get(chain.ext())!;
    expect(receipts.map((r) => r.type)).toEqual(["Legacy", "EIP2930", "EIP7702"]);
    expect(receipts.map((r) => r.value.statusCode)).toEqual([1, 1, 1]);
    expect(receipts[1]!.value.usedGas).toBe(42_000n);
    // The delegation designator 0xef0100 ++ address is Charleth's code now.
    expect(hex(evm.AccountCodes.get(chain.ext(), charleth!.address))).toBe(`0xef0100${hex(target).slice(2)}`);
    expect(nonceOf(chain, charleth!.address)).toBe(1);
  });

  it("deploys an ERC-20 compiled by solc, transfers it and records logs in receipt and events", async () => {
    const chain = await TestChain.create();
    const token = await deploy(chain, 0, "TestToken", [1_000n * DNA]);
    const abi = contracts().TestToken!.abi as Abi;
    const data = encodeFunctionData({
      abi,
      functionName: "transfer",
      args: [hex(baltathar!.address), 5n * DNA],
    });
    const { results, events } = await mixedBlock(chain, [
      { eth: signEth(chain, 0, { to: token, data, nonce: 1n }) },
    ]);
    expect(results[0]).toEqual({ ok: true });
    expect(await view(chain, token, abi, "balanceOf", [hex(baltathar!.address)])).toBe(5n * DNA);
    // A simulation's gas (eth_estimateGas) matches what the same transfer then costs.
    const again = encodeFunctionData({ abi, functionName: "transfer", args: [hex(baltathar!.address), DNA] });
    const estimate = await chain.rt.pallets.frontier.evm.runner.simulate(chain.rt.ctx(chain.ext()), {
      from: alith!.address,
      to: token,
      data: bytes(again),
    });
    await mixedBlock(chain, [{ eth: signEth(chain, 0, { to: token, data: again, nonce: 2n }) }]);
    const used = eth.CurrentReceipts.get(chain.ext())![0]!.value.usedGas;
    expect(estimate.gasUsed).toBeGreaterThanOrEqual(used);
    expect(estimate.gasUsed).toBeLessThan((used * 3n) / 2n);
    const receipt = eth.CurrentReceipts.get(chain.ext())![0]!;
    expect(receipt.value.statusCode).toBe(1);
    expect(receipt.value.logs).toHaveLength(1);
    const log = receipt.value.logs[0]!;
    expect(log.address).toEqual(token);
    expect(hex(log.topics[2]!)).toBe(`0x${"00".repeat(12)}${hex(baltathar!.address).slice(2)}`);
    expect(receipt.value.logsBloom.some((b) => b !== 0)).toBe(true);
    expect(eventNames(events)).toContain("Ethereum.Executed");
    expect(eventNames(events)).toContain("EVM.Log");
    // The code and its metadata are in pallet-evm's layout.
    const code = evm.AccountCodes.get(chain.ext(), token);
    expect(code.length).toBeGreaterThan(0);
    expect(evm.AccountCodesMetadata.get(chain.ext(), token)?.size).toBe(BigInt(code.length));
    expect([...evm.AccountStorages.entries(chain.ext(), token)].length).toBeGreaterThan(0);
    issuanceHolds(chain);
  });

  it("a revert rolls back state but consumes gas, fee and nonce", async () => {
    const chain = await TestChain.create();
    const target = await deploy(chain, 0, "Misbehaver");
    const abi = contracts().Misbehaver!.abi as Abi;
    const before = balanceOf(chain, alith!.address);
    const { results, events } = await mixedBlock(chain, [
      {
        eth: signEth(chain, 0, {
          to: target,
          data: encodeFunctionData({ abi, functionName: "bumpAndRevert" }),
          nonce: 1n,
        }),
      },
    ]);
    expect(results[0]).toEqual({ ok: true });
    expect(nonceOf(chain, alith!.address)).toBe(2);
    expect(balanceOf(chain, alith!.address)).toBeLessThan(before);
    expect(await view(chain, target, abi, "counter")).toBe(0n);
    const receipt = eth.CurrentReceipts.get(chain.ext())![0]!;
    expect(receipt.value.statusCode).toBe(0);
    expect(receipt.value.usedGas).toBeGreaterThan(21_000n);
    const executed = events.find((e) => e.event.type === "Ethereum")!.event.value.value as {
      exit_reason: { type: string };
      extra_data: Uint8Array;
    };
    expect(executed.exit_reason.type).toBe("Revert");
    expect(executed.extra_data.length).toBeGreaterThan(4); // Error("always reverts")
    // BLOCKHASH reads the Ethereum block hashes the Ethereum pallet stored.
    expect(await view(chain, target, abi, "hashOf", [1n])).toBe(hex(eth.BlockHash.get(chain.ext(), 1n)));
    expect(eth.BlockHash.get(chain.ext(), 1n).some((b) => b !== 0)).toBe(true);
    issuanceHolds(chain);
  });

  it("a loop runs out of gas: all its gas is paid, nothing else changes", async () => {
    const chain = await TestChain.create();
    const target = await deploy(chain, 0, "Misbehaver");
    const abi = contracts().Misbehaver!.abi as Abi;
    const before = balanceOf(chain, baltathar!.address);
    const { results } = await mixedBlock(chain, [
      {
        eth: signEth(chain, 1, {
          to: target,
          data: encodeFunctionData({ abi, functionName: "loopForever" }),
          nonce: 0n,
          gasLimit: 200_000n,
        }),
      },
    ]);
    expect(results[0]).toEqual({ ok: true });
    const receipt = eth.CurrentReceipts.get(chain.ext())![0]!;
    expect(receipt.value).toMatchObject({ statusCode: 0, usedGas: 200_000n });
    const baseFee = eth.CurrentBlock.get(chain.ext())!.header.baseFeePerGas;
    expect(before - balanceOf(chain, baltathar!.address)).toBe(200_000n * (baseFee + 1_000_000_000n));
    expect(nonceOf(chain, baltathar!.address)).toBe(1);
    expect(await view(chain, target, abi, "counter")).toBe(0n);
    issuanceHolds(chain);
  });

  it("rejects bad transactions with clear errors and leaves state untouched", async () => {
    const chain = await TestChain.create();
    const f = chain.rt.pallets.frontier.ethereum;
    const good = signEth(chain, 0, { to: baltathar!.address, value: 1n, gasLimit: 21_000n, nonce: 0n });
    const common = chain.rt.pallets.frontier.evm.runner.common;
    // r = 0 recovers no key at all.
    const tampered = createTx(
      {
        type: 2,
        chainId: 4242n,
        to: baltathar!.address,
        value: 1n,
        gasLimit: 21_000n,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 1n,
        nonce: 0n,
        v: 0n,
        r: 0n,
        s: 1n,
      },
      { common },
    ).serialize();
    const wrongChain = createTx(
      {
        type: 2,
        chainId: 1n,
        to: baltathar!.address,
        value: 1n,
        gasLimit: 21_000n,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 1n,
        nonce: 0n,
      },
      {},
    )
      .sign(alith!.secretKey)
      .serialize();
    // A pre-EIP-155 legacy transaction (v = 27/28), valid on every chain: refused.
    const fields = [0n, 10n ** 10n, 21_000n, baltathar!.address, 1n, new Uint8Array(0)] as const;
    const sig = signDigest(
      keccak256(RLP.encode(fields.map((f) => (typeof f === "bigint" ? bigintBytes(f) : f)))),
      alith!.secretKey,
    );
    const unprotected = createTx(
      {
        type: 0,
        nonce: 0n,
        gasPrice: 10n ** 10n,
        gasLimit: 21_000n,
        to: baltathar!.address,
        value: 1n,
        v: BigInt(27 + sig[64]!),
        r: sig.subarray(0, 32),
        s: sig.subarray(32, 64),
      },
      { common },
    ).serialize();
    const poor = signEth(chain, 5, {
      to: baltathar!.address,
      value: 10n ** 30n,
      gasLimit: 21_000n,
      nonce: 0n,
    });
    const lowFee = signEth(chain, 0, {
      to: baltathar!.address,
      value: 1n,
      gasLimit: 21_000n,
      nonce: 0n,
      maxFeePerGas: 1n,
      maxPriorityFeePerGas: 1n,
    });
    const lowGas = signEth(chain, 0, { to: baltathar!.address, value: 1n, gasLimit: 20_000n, nonce: 0n });
    const blob = new Uint8Array([3, 0xc0]);
    const hugeInit = createTx(
      {
        type: 2,
        chainId: 4242n,
        gasLimit: 5_000_000n,
        maxFeePerGas: 10n ** 10n,
        nonce: 0n,
        data: new Uint8Array(50_000),
      },
      { common, allowUnlimitedInitCodeSize: true },
    )
      .sign(alith!.secretKey)
      .serialize();
    const garbage = new Uint8Array([0x02, 0x01, 0x02]);
    // A good transaction with its chain id re-encoded with a leading zero byte: ethereumjs accepts it
    // (and would recover its signer over the canonical bytes); geth and Darwin refuse it.
    const goodFields = RLP.decode(good.subarray(1)) as Uint8Array[];
    goodFields[0] = Uint8Array.of(0, ...(goodFields[0] as Uint8Array));
    const paddedChainId = Uint8Array.of(2, ...RLP.encode(goodFields));
    const b0 = balanceOf(chain, baltathar!.address);
    const validate = (raw: Uint8Array) => {
      try {
        f.validateSelfContained(chain.ext(), {
          type: "Ethereum",
          value: { type: "transact", value: { transaction: raw } },
        });
        return "valid";
      } catch (e) {
        return `${(e as eth.EthereumTransactionError).code}: ${(e as Error).message}`;
      }
    };
    expect(validate(tampered)).toMatch(/^InvalidSignature: invalid sender/);
    expect(validate(unprotected)).toMatch(/^UnprotectedTransaction: only replay-protected/);
    expect(validate(wrongChain)).toMatch(/^WrongChainId: invalid chain id/);
    expect(validate(poor)).toMatch(/^InsufficientFunds: insufficient funds for gas \* price \+ value/);
    expect(validate(lowFee)).toMatch(/^FeeTooLow: max fee per gas less than block base fee/);
    expect(validate(lowGas)).toMatch(/^IntrinsicGasTooLow: intrinsic gas too low/);
    expect(validate(blob)).toMatch(/^BlobTransactionUnsupported/);
    expect(validate(hugeInit)).toMatch(/^InitCodeTooLarge: max initcode size exceeded/);
    expect(validate(garbage)).toMatch(/^MalformedTransaction/);
    expect(validate(paddedChainId)).toMatch(/^MalformedTransaction: rlp: non-canonical chain id/);
    expect(validate(good)).toBe("valid");
    // Nonce too low, after the good one is in.
    await mixedBlock(chain, [{ eth: good }]);
    expect(validate(good)).toMatch(/^NonceTooLow: nonce too low/);
    const { results } = await mixedBlock(chain, [{ eth: good }, { eth: poor }, { eth: wrongChain }]);
    expect(results.map((r) => r.ok)).toEqual([false, false, false]);
    expect(results.map((r) => (r.error as eth.EthereumTransactionError).code)).toEqual([
      "NonceTooLow",
      "InsufficientFunds",
      "WrongChainId",
    ]);
    expect(balanceOf(chain, baltathar!.address)).toBe(b0 + 1n);
    expect(eth.CurrentReceipts.get(chain.ext())).toEqual([]);
    issuanceHolds(chain);
  });

  it("pool validation tags (sender, nonce) like Substrate transactions and orders by tip", async () => {
    const chain = await TestChain.create();
    const f = chain.rt.pallets.frontier.ethereum;
    const call = (raw: Uint8Array) => ({
      type: "Ethereum",
      value: { type: "transact", value: { transaction: raw } },
    });
    const first = f.validateSelfContained(
      chain.ext(),
      call(signEth(chain, 0, { to: baltathar!.address, nonce: 0n, gasLimit: 21_000n })),
    );
    const next = f.validateSelfContained(
      chain.ext(),
      call(
        signEth(chain, 0, {
          to: baltathar!.address,
          nonce: 1n,
          gasLimit: 21_000n,
          maxPriorityFeePerGas: 3_000_000_000n,
        }),
      ),
    );
    expect(first.sender).toEqual(alith!.address);
    expect(first.valid.requires).toEqual([]);
    expect(first.valid.provides).toEqual([eth.nonceTag(alith!.address, 0)]);
    expect(next.valid.requires).toEqual([eth.nonceTag(alith!.address, 0)]);
    expect(next.valid.priority).toBeGreaterThan(first.valid.priority);
  });
});

describe("standard precompiles", () => {
  it("0x01 ecrecover runs on the native secp256k1 recovery; 0x08 pairing answers through mcl", async () => {
    const chain = await TestChain.create();
    const runner = chain.rt.pallets.frontier.evm.runner;
    const digest = keccak256(new TextEncoder().encode("darwin"));
    const sig = signDigest(digest, baltathar!.secretKey);
    const input = new Uint8Array(128);
    input.set(digest, 0);
    input[63] = 27 + sig[64]!;
    input.set(sig.subarray(0, 64), 64);
    const ctx = chain.rt.ctx(chain.ext());
    const res = await runner.simulate(ctx, {
      from: alith!.address,
      to: bytes(`0x${"00".repeat(19)}01`),
      data: input,
      gasLimit: 100_000n,
    });
    expect(res.success).toBe(true);
    expect(hex(res.returnData.subarray(12))).toBe(hex(baltathar!.address));
    // The empty pairing check is true (EIP-197).
    const pairing = await runner.simulate(ctx, {
      from: alith!.address,
      to: bytes(`0x${"00".repeat(19)}08`),
      data: new Uint8Array(0),
      gasLimit: 100_000n,
    });
    expect(pairing.success).toBe(true);
    expect(pairing.returnData[31]).toBe(1);
  });
});

describe("BaseFee", () => {
  it("rises after a full block and falls after empty ones", async () => {
    const chain = await TestChain.create();
    const baseFee = () => chain.rt.pallets.frontier.baseFee.BaseFeePerGas.get(chain.ext());
    const start = baseFee();
    // Init code 0xfe (INVALID) burns the whole gas limit: a block-filling transaction.
    const gasLimit = chain.rt.pallets.frontier.blockGasLimit;
    await mixedBlock(chain, [{ eth: signEth(chain, 0, { data: "0xfe", gasLimit, nonce: 0n }) }]);
    const afterFull = baseFee();
    expect(afterFull).toBeGreaterThan(start);
    expect(afterFull).toBeLessThanOrEqual(start + start / 8n);
    await mixedBlock(chain, []);
    await mixedBlock(chain, []);
    expect(baseFee()).toBeLessThan(afterFull);
    const { nextBaseFee } = chain.rt.pallets.frontier.baseFee;
    expect(nextBaseFee(1_000n, 100n, 100n, 125_000n)).toBe(1_125n);
    expect(nextBaseFee(1_000_000_000n, 0n, 100n, 125_000n)).toBe(875_000_000n);
    expect(nextBaseFee(1_000n, 50n, 100n, 125_000n)).toBe(1_000n);
    issuanceHolds(chain);
  });
});

describe("Substrate calls into the EVM", () => {
  it("evm.create and evm.call run as the signed origin and emit Created / Executed", async () => {
    const chain = await TestChain.create();
    const c = contracts().Misbehaver!;
    const abi = c.abi as Abi;
    const common = {
      value: 0n,
      gas_limit: 1_000_000n,
      max_fee_per_gas: 2_000_000_000n,
      max_priority_fee_per_gas: undefined,
      nonce: undefined,
      access_list: [],
    };
    const createXt = chain.sign(0, {
      type: "EVM",
      value: { type: "create", value: { source: alith!.address, init: bytes(c.bytecode), ...common } },
    });
    const r1 = await chain.block([createXt]);
    expect(r1.results[0]).toEqual({ ok: { ok: null } });
    const created = r1.events.find((e) => e.event.type === "EVM" && e.event.value.type === "Created");
    expect(created).toBeDefined();
    const address = (created!.event.value.value as { address: Uint8Array }).address;
    const callXt = chain.sign(0, {
      type: "EVM",
      value: {
        type: "call",
        value: {
          source: alith!.address,
          target: address,
          input: bytes(encodeFunctionData({ abi, functionName: "bump" })),
          ...common,
        },
      },
    });
    const r2 = await chain.block([callXt]);
    expect(r2.results[0]).toEqual({ ok: { ok: null } });
    expect(eventNames(r2.events as never)).toContain("EVM.Executed");
    expect(await view(chain, address, abi, "counter")).toBe(1n);
    // Another account cannot act as Alith.
    const forged = chain.sign(1, {
      type: "EVM",
      value: {
        type: "call",
        value: { source: alith!.address, target: address, input: new Uint8Array(0), ...common },
      },
    });
    const r3 = await chain.block([forged]);
    expect(r3.results[0]).toEqual({ ok: { err: { type: "BadOrigin" } } });
    // CREATE2: the address follows from the deployer, the salt and the init code.
    const salt = new Uint8Array(32).fill(7);
    const create2Xt = chain.sign(0, {
      type: "EVM",
      value: { type: "create2", value: { source: alith!.address, init: bytes(c.bytecode), salt, ...common } },
    });
    const r4 = await chain.block([create2Xt]);
    expect(r4.results[0]).toEqual({ ok: { ok: null } });
    const created2 = r4.events.find((e) => e.event.type === "EVM" && e.event.value.type === "Created");
    const expected = getContractAddress({
      opcode: "CREATE2",
      from: hex(alith!.address),
      salt: hex(salt),
      bytecode: c.bytecode as Hex,
    });
    expect(hex((created2!.event.value.value as { address: Uint8Array }).address)).toBe(
      expected.toLowerCase(),
    );
    expect(evm.AccountCodes.get(chain.ext(), bytes(expected)).length).toBeGreaterThan(0);
    issuanceHolds(chain);
  });
});

describe("Darwin precompiles", () => {
  const erc20 = () => {
    const { BALANCES_ERC20_ABI } = evm;
    return BALANCES_ERC20_ABI;
  };

  it("Balances ERC-20 moves native DNA, emits Transfer, and is callable from Solidity", async () => {
    const chain = await TestChain.create();
    const abi = erc20();
    const precompile = evm.BALANCES_ERC20_ADDRESS;
    const c0 = balanceOf(chain, charleth!.address);
    const data = encodeFunctionData({
      abi,
      functionName: "transfer",
      args: [hex(charleth!.address), 7n * DNA],
    });
    const { results } = await mixedBlock(chain, [
      { eth: signEth(chain, 1, { to: precompile, data, nonce: 0n }) },
    ]);
    expect(results[0]).toEqual({ ok: true });
    expect(balanceOf(chain, charleth!.address)).toBe(c0 + 7n * DNA);
    const receipt = eth.CurrentReceipts.get(chain.ext())![0]!;
    expect(receipt.value.statusCode).toBe(1);
    expect(receipt.value.logs[0]!.address).toEqual(precompile);
    expect(receipt.value.logs[0]!.topics[0]).toEqual(evm.topicOf("Transfer(address,address,uint256)"));
    expect(await view(chain, precompile, abi, "balanceOf", [hex(charleth!.address)])).toBe(c0 + 7n * DNA);
    expect(await view(chain, precompile, abi, "symbol")).toBe("DNA");
    expect(await view(chain, precompile, abi, "decimals")).toBe(18);
    expect(await view(chain, precompile, abi, "totalSupply")).toBe(balances.TotalIssuance.get(chain.ext()));
    // Through a contract: Solidity's extcodesize check passes thanks to the dummy code.
    const caller = await deploy(chain, 0, "PrecompileCaller");
    const viaAbi = contracts().PrecompileCaller!.abi as Abi;
    expect(await view(chain, caller, viaAbi, "balanceOfVia", [hex(precompile), hex(charleth!.address)])).toBe(
      balanceOf(chain, charleth!.address),
    );
    // approve + transferFrom by a spender; overspending reverts.
    const approve = encodeFunctionData({
      abi,
      functionName: "approve",
      args: [hex(alith!.address), 3n * DNA],
    });
    const pull = (v: bigint) =>
      encodeFunctionData({
        abi,
        functionName: "transferFrom",
        args: [hex(charleth!.address), hex(baltathar!.address), v],
      });
    const b0 = balanceOf(chain, baltathar!.address);
    const r = await mixedBlock(chain, [
      { eth: signEth(chain, 2, { to: precompile, data: approve, nonce: 0n }) },
      {
        eth: signEth(chain, 0, {
          to: precompile,
          data: pull(2n * DNA),
          nonce: BigInt(nonceOf(chain, alith!.address)),
        }),
      },
      {
        eth: signEth(chain, 0, {
          to: precompile,
          data: pull(2n * DNA),
          nonce: BigInt(nonceOf(chain, alith!.address) + 1),
        }),
      },
    ]);
    expect(r.results.every((x) => x.ok)).toBe(true);
    expect(eth.CurrentReceipts.get(chain.ext())!.map((x) => x.value.statusCode)).toEqual([1, 1, 0]);
    expect(balanceOf(chain, baltathar!.address)).toBe(b0 + 2n * DNA);
    expect(
      await view(chain, precompile, abi, "allowance", [hex(charleth!.address), hex(alith!.address)]),
    ).toBe(DNA);
    issuanceHolds(chain);
  });

  it("Batch: batchAll reverts everything on one failure, batchSome keeps the successes", async () => {
    const chain = await TestChain.create();
    const target = await deploy(chain, 0, "Misbehaver");
    const mAbi = contracts().Misbehaver!.abi as Abi;
    const bump = encodeFunctionData({ abi: mAbi, functionName: "bump" });
    const bad = encodeFunctionData({ abi: mAbi, functionName: "bumpAndRevert" });
    const batch = (fn: string) =>
      encodeFunctionData({
        abi: evm.BATCH_ABI,
        functionName: fn,
        args: [[hex(target), hex(target)], [], [bump, bad], []],
      });
    await mixedBlock(chain, [
      {
        eth: signEth(chain, 0, {
          to: evm.BATCH_ADDRESS,
          data: batch("batchAll"),
          nonce: 1n,
          gasLimit: 300_000n,
        }),
      },
    ]);
    expect(eth.CurrentReceipts.get(chain.ext())![0]!.value.statusCode).toBe(0);
    expect(await view(chain, target, mAbi, "counter")).toBe(0n);
    await mixedBlock(chain, [
      {
        eth: signEth(chain, 0, {
          to: evm.BATCH_ADDRESS,
          data: batch("batchSome"),
          nonce: 2n,
          gasLimit: 300_000n,
        }),
      },
    ]);
    expect(eth.CurrentReceipts.get(chain.ext())![0]!.value.statusCode).toBe(1);
    expect(await view(chain, target, mAbi, "counter")).toBe(1n);
    issuanceHolds(chain);
  });

  it("CallPermit: runs as the signer, rejects replays and expired permits, consumes the nonce on revert", async () => {
    const chain = await TestChain.create();
    const runner = chain.rt.pallets.frontier.evm.runner;
    const abi = evm.CALL_PERMIT_ABI;
    const target = await deploy(chain, 0, "Misbehaver");
    const mAbi = contracts().Misbehaver!.abi as Abi;
    const now = chain.now / 1000n;
    const permit = (to: Uint8Array, data: Uint8Array, nonce: bigint, deadline: bigint) => {
      const m = { from: baltathar!.address, to, value: 0n, data, gaslimit: 100_000n, nonce, deadline };
      const sig = signDigest(evm.callPermitDigest(runner.chainId, m), baltathar!.secretKey);
      return encodeFunctionData({
        abi,
        functionName: "dispatch",
        args: [
          hex(m.from),
          hex(to),
          0n,
          hex(data),
          m.gaslimit,
          deadline,
          sig[64]! + 27,
          hex(sig.subarray(0, 32)),
          hex(sig.subarray(32, 64)),
        ],
      });
    };
    const nonces = () => view(chain, evm.CALL_PERMIT_ADDRESS, abi, "nonces", [hex(baltathar!.address)]);
    // Baltathar signs a DNA transfer to Charleth through the Balances precompile; Alith relays and pays gas.
    const transfer = bytes(
      encodeFunctionData({ abi: erc20(), functionName: "transfer", args: [hex(charleth!.address), DNA] }),
    );
    const good = permit(evm.BALANCES_ERC20_ADDRESS, transfer, 0n, now + 3600n);
    const b0 = balanceOf(chain, baltathar!.address);
    const c0 = balanceOf(chain, charleth!.address);
    let n = nonceOf(chain, alith!.address);
    const relay = (data: string) => ({
      eth: signEth(chain, 0, {
        to: evm.CALL_PERMIT_ADDRESS,
        data: data as Hex,
        nonce: BigInt(n++),
        gasLimit: 300_000n,
      }),
    });
    await mixedBlock(chain, [relay(good)]);
    expect(eth.CurrentReceipts.get(chain.ext())![0]!.value.statusCode).toBe(1);
    expect(balanceOf(chain, charleth!.address)).toBe(c0 + DNA);
    expect(balanceOf(chain, baltathar!.address)).toBe(b0 - DNA); // the relayer paid the gas
    expect(await nonces()).toBe(1n);
    // Replay of the same permit: the nonce moved on, the signature no longer matches.
    await mixedBlock(chain, [relay(good)]);
    expect(eth.CurrentReceipts.get(chain.ext())![0]!.value.statusCode).toBe(0);
    expect(balanceOf(chain, charleth!.address)).toBe(c0 + DNA);
    // Expired.
    await mixedBlock(chain, [relay(permit(evm.BALANCES_ERC20_ADDRESS, transfer, 1n, now - 1n))]);
    expect(eth.CurrentReceipts.get(chain.ext())![0]!.value.statusCode).toBe(0);
    expect(await nonces()).toBe(1n);
    // A permit whose call reverts: the nonce is consumed all the same, the call's writes are not.
    const reverting = permit(
      target,
      bytes(encodeFunctionData({ abi: mAbi, functionName: "bumpAndRevert" })),
      1n,
      now + 3600n,
    );
    await mixedBlock(chain, [relay(reverting)]);
    expect(eth.CurrentReceipts.get(chain.ext())![0]!.value.statusCode).toBe(1);
    expect(await nonces()).toBe(2n);
    expect(await view(chain, target, mAbi, "counter")).toBe(0n);
    await mixedBlock(chain, [relay(reverting)]);
    expect(eth.CurrentReceipts.get(chain.ext())![0]!.value.statusCode).toBe(0);
    issuanceHolds(chain);
  });
});
